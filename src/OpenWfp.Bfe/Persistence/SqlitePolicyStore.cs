using System.Text;
using Microsoft.Data.Sqlite;
using OpenWfp.Bfe.Changes;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.Security;

namespace OpenWfp.Bfe.Persistence;

/// <summary>
/// The persistent policy in one SQLite file: a table per object kind holding each object in the store's own JSON form
/// (<see cref="StoredObjectJson"/>), keyed by its GUID, in the order it was first stored.
/// </summary>
/// <remarks>
/// <para>
/// The file runs in WAL mode with <c>synchronous=FULL</c>: an <see cref="Apply"/> that returned is on disk, and a
/// crash at any moment (kill -9, power loss) leaves either the whole change set or none of it.
/// </para>
/// <para>
/// <see cref="Open"/> refuses a file it does not fully understand — not a database, damaged, another application's
/// database, a newer or retired schema, a row that does not parse — with a one-line <see cref="PolicyStoreException"/> and
/// leaves the file as it found it: the check runs on a read-only connection, so nothing is created over the file,
/// rolled back or checkpointed into it.
/// </para>
/// <para>
/// Schema (version 2): <c>openwfp_schema(version)</c> with one row; <c>providers</c>, <c>sublayers</c>,
/// <c>callouts</c>, <c>provider_contexts</c> and <c>filters</c>, each
/// <c>(ordinal INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, data TEXT NOT NULL)</c>, where <c>key</c> is the
/// lower-case GUID, <c>data</c> the object's JSON and <c>ordinal</c> (the rowid) the load order. <c>filters</c>
/// also has <c>filter_id</c> and <c>boot_time</c> (0/1), copies of the filter's id and BOOTTIME flag for
/// inspection with the sqlite3 shell; the JSON is the truth. <c>object_security(kind, key, sddl)</c> holds the
/// security descriptor of each stored object that was given one (SDDL; kind is the protocol's ObjectType number);
/// it is its own table so the objects' JSON stays as it was, and a version-2 file without it gets it on open.
/// </para>
/// <para>
/// Version 1, written by earlier builds, held the management API's protocol messages. It is not read: such a file is
/// refused with a one-line error naming it (move it aside and add the persistent policy again).
/// </para>
/// <para>Not for concurrent writers: one wfpd owns the file. Members are thread-safe.</para>
/// </remarks>
public sealed class SqlitePolicyStore : IPolicyStore
{
    /// <summary>The schema version this build creates and understands.</summary>
    public const int SchemaVersion = 2;

    /// <summary>The schema of earlier builds, which stored protocol messages; refused.</summary>
    private const int ProtocolMessageSchemaVersion = 1;

    private const string SchemaTable = "openwfp_schema";
    private const string SecurityTable = "object_security";
    private const string SecurityTableSql =
        $"CREATE TABLE IF NOT EXISTS {SecurityTable} (kind INTEGER NOT NULL, key TEXT NOT NULL, sddl TEXT NOT NULL, PRIMARY KEY (kind, key));";
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;

    private static readonly byte[] SqliteMagic = "SQLite format 3\0"u8.ToArray();

    private static readonly Table Providers = new("providers", "provider", false);
    private static readonly Table Sublayers = new("sublayers", "sublayer", false);
    private static readonly Table Callouts = new("callouts", "callout", false);
    private static readonly Table ProviderContexts = new("provider_contexts", "provider context", false);
    private static readonly Table Filters = new("filters", "filter", true);
    private static readonly Table[] Tables = [Providers, Sublayers, Callouts, ProviderContexts, Filters];

    private readonly Lock _lock = new();
    private readonly SqliteConnection _connection;
    private readonly Writer _providers;
    private readonly Writer _sublayers;
    private readonly Writer _callouts;
    private readonly Writer _providerContexts;
    private readonly Writer _filters;
    private bool _disposed;

    private SqlitePolicyStore(string location, SqliteConnection connection)
    {
        Location = location;
        _connection = connection;
        _providers = new Writer(Providers, connection, static o => StoredObjectJson.Write((ProviderSpec)o));
        _sublayers = new Writer(Sublayers, connection, static o => StoredObjectJson.Write((SublayerSpec)o));
        _callouts = new Writer(Callouts, connection, static o => StoredObjectJson.Write((CalloutSpec)o));
        _providerContexts = new Writer(ProviderContexts, connection, static o => StoredObjectJson.Write((ProviderContextSpec)o));
        _filters = new Writer(Filters, connection, static o => StoredObjectJson.Write((FilterSpec)o));
    }

    /// <inheritdoc/>
    public string Location { get; }

    /// <summary>
    /// Opens the store at <paramref name="path"/>, creating it (and its directory) when the file does not exist.
    /// An existing file is verified first: SQLite header, <c>PRAGMA quick_check</c>, schema version, and that every
    /// row parses as its object.
    /// </summary>
    /// <exception cref="PolicyStoreException">
    /// The file cannot be created, read or written, or is not a valid OpenWfp policy store. The message is one line
    /// naming the file and the problem; the file is left untouched.
    /// </exception>
    public static SqlitePolicyStore Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var location = Path.GetFullPath(path);
        if (Directory.Exists(location))
        {
            throw new PolicyStoreException($"{location}: is a directory, not a policy store");
        }

        if (File.Exists(location))
        {
            Verify(location);
        }
        else
        {
            Create(location);
        }

        var connection = new SqliteConnection(ConnectionString(location, SqliteOpenMode.ReadWrite));
        try
        {
            connection.Open();
            var mode = ExecuteScalar(connection, "PRAGMA journal_mode=WAL") as string;
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new PolicyStoreException($"{location}: cannot switch to WAL journal mode (got '{mode}')");
            }

            ExecuteScalar(connection, "PRAGMA synchronous=FULL");
            ExecuteScalar(connection, SecurityTableSql);
            return new SqlitePolicyStore(location, connection);
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new PolicyStoreException($"{location}: cannot open for writing ({Describe(ex)})", ex);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public StoredPolicy Load()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            try
            {
                using var transaction = _connection.BeginTransaction(deferred: true);
                var policy = ReadAll(Location, _connection, transaction);
                transaction.Commit();
                return policy;
            }
            catch (SqliteException ex)
            {
                throw new PolicyStoreException($"{Location}: cannot read ({Describe(ex)})", ex);
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Deletes come first, then adds. An add whose key is stored (or deleted in the same change set) replaces the
    /// stored object in place: it keeps its position in the load order. Deleting a key that is not stored is not an
    /// error. Every added object's key must be a GUID other than GUID_NULL.
    /// </remarks>
    public void Apply(PolicyChangeSet changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (changes.IsEmpty)
            {
                return;
            }

            var providers = Keys(changes.AddedProviders, static m => m.Key, Providers);
            var sublayers = Keys(changes.AddedSublayers, static m => m.Key, Sublayers);
            var callouts = Keys(changes.AddedCallouts, static m => m.Key, Callouts);
            var providerContexts = Keys(changes.AddedProviderContexts, static m => m.Key, ProviderContexts);
            var filters = Keys(changes.AddedFilters, static m => m.Key, Filters);

            SqliteTransaction? transaction = null;
            try
            {
                transaction = _connection.BeginTransaction(deferred: false);
                _providers.Write(transaction, changes.DeletedProviders, changes.AddedProviders, providers);
                _sublayers.Write(transaction, changes.DeletedSublayers, changes.AddedSublayers, sublayers);
                _callouts.Write(transaction, changes.DeletedCallouts, changes.AddedCallouts, callouts);
                _providerContexts.Write(transaction, changes.DeletedProviderContexts, changes.AddedProviderContexts, providerContexts);
                _filters.Write(transaction, changes.DeletedFilters, changes.AddedFilters, filters);
                WriteSecurity(transaction, changes.SecurityDescriptors);
                transaction.Commit();
            }
            catch (SqliteException ex)
            {
                RollBack(transaction);
                throw new PolicyStoreException($"{Location}: cannot store the change; nothing of it was stored ({Describe(ex)})", ex);
            }
            finally
            {
                transaction?.Dispose();
            }
        }
    }

    /// <summary>Closes the file. A clean close checkpoints the write-ahead log into the file and removes it.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _providers.Dispose();
            _sublayers.Dispose();
            _callouts.Dispose();
            _providerContexts.Dispose();
            _filters.Dispose();
            _connection.Dispose();
        }
    }

    private static string ConnectionString(string path, SqliteOpenMode mode) =>
        new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString();

    /// <summary>Creates a new store: built under a temporary name and renamed into place, so a crash never leaves a half-made file.</summary>
    private static void Create(string location)
    {
        var directory = Path.GetDirectoryName(location)!;
        try
        {
            Directory.CreateDirectory(directory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PolicyStoreException($"{location}: cannot create the directory {directory} ({Describe(ex)})", ex);
        }

        var temporary = location + ".creating";
        try
        {
            DeleteDatabaseFiles(temporary);
            // Created here rather than by SQLite, whose error for an unwritable directory does not say why.
            File.Create(temporary).Dispose();
            using (var connection = new SqliteConnection(ConnectionString(temporary, SqliteOpenMode.ReadWriteCreate)))
            {
                connection.Open();
                ExecuteScalar(connection, "PRAGMA synchronous=FULL");
                using (var transaction = connection.BeginTransaction())
                {
                    var schema = new StringBuilder();
                    schema.Append($"CREATE TABLE {SchemaTable} (version INTEGER NOT NULL);");
                    schema.Append($"INSERT INTO {SchemaTable} (version) VALUES ({SchemaVersion});");
                    foreach (var table in Tables)
                    {
                        schema.Append(table.CreateSql);
                    }

                    schema.Append(SecurityTableSql);

                    ExecuteScalar(connection, schema.ToString(), transaction);
                    transaction.Commit();
                }

                ExecuteScalar(connection, "PRAGMA journal_mode=WAL");
            }

            File.Move(temporary, location, overwrite: false);
        }
        catch (Exception ex) when (ex is SqliteException or IOException or UnauthorizedAccessException)
        {
            TryDeleteDatabaseFiles(temporary);
            throw new PolicyStoreException($"{location}: cannot create the policy store ({Describe(ex)})", ex);
        }
    }

    /// <summary>
    /// Checks an existing file without changing it (read-only connection). On failure the -wal and -shm files the
    /// check itself created (SQLite makes them to read a WAL-mode file) are removed again.
    /// </summary>
    private static void Verify(string location)
    {
        CheckHeader(location);
        var hadWal = File.Exists(location + "-wal");
        var hadShm = File.Exists(location + "-shm");
        try
        {
            VerifyContents(location);
        }
        catch (PolicyStoreException)
        {
            if (!hadWal && new FileInfo(location + "-wal") is { Exists: true, Length: 0 })
            {
                TryDelete(location + "-wal");
            }

            if (!hadShm)
            {
                TryDelete(location + "-shm");
            }

            throw;
        }
    }

    private static void VerifyContents(string location)
    {
        try
        {
            using var connection = new SqliteConnection(ConnectionString(location, SqliteOpenMode.ReadOnly));
            connection.Open();
            using var transaction = connection.BeginTransaction(deferred: true);

            var check = ExecuteScalar(connection, "PRAGMA quick_check(1)", transaction) as string;
            if (check != "ok")
            {
                throw new PolicyStoreException($"{location}: damaged (quick_check: {OneLine(check ?? "no result")})");
            }

            if (!TableExists(connection, transaction, SchemaTable))
            {
                throw new PolicyStoreException($"{location}: not an OpenWfp policy store (no {SchemaTable} table)");
            }

            var version = ReadSchemaVersion(location, connection, transaction);
            if (version > SchemaVersion)
            {
                throw new PolicyStoreException(
                    $"{location}: schema version {version} is newer than this wfpd understands ({SchemaVersion})");
            }

            if (version == ProtocolMessageSchemaVersion)
            {
                throw new PolicyStoreException(
                    $"{location}: schema version {version} (protocol messages, from an earlier wfpd) is no longer read; move the file aside and add the persistent policy again");
            }

            if (version != SchemaVersion)
            {
                throw new PolicyStoreException($"{location}: unknown schema version {version} (this wfpd understands {SchemaVersion})");
            }

            foreach (var table in Tables)
            {
                if (!TableExists(connection, transaction, table.Name))
                {
                    throw new PolicyStoreException($"{location}: damaged (table {table.Name} is missing)");
                }
            }

            ReadAll(location, connection, transaction);
        }
        catch (SqliteException ex)
        {
            var problem = ex.SqliteErrorCode switch
            {
                SqliteNotADatabase => "not an OpenWfp policy store (file is not a database)",
                SqliteCorrupt => $"damaged ({Describe(ex)})",
                _ => $"cannot read ({Describe(ex)})",
            };
            throw new PolicyStoreException($"{location}: {problem}", ex);
        }
    }

    /// <summary>Reads the SQLite header ourselves: a clear message for a file that is not a database, and a readability and writability check.</summary>
    private static void CheckHeader(string location)
    {
        var header = new byte[100];
        int read;
        try
        {
            using var stream = new FileStream(location, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            read = stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new PolicyStoreException($"{location}: cannot open for reading and writing ({Describe(ex)})", ex);
        }

        if (read == 0)
        {
            throw new PolicyStoreException($"{location}: not an OpenWfp policy store (empty file)");
        }

        if (read < header.Length || !header.AsSpan(0, SqliteMagic.Length).SequenceEqual(SqliteMagic))
        {
            throw new PolicyStoreException($"{location}: not an OpenWfp policy store (file is not a database)");
        }
    }

    private static long ReadSchemaVersion(string location, SqliteConnection connection, SqliteTransaction transaction)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT version FROM {SchemaTable}";
        using var reader = command.ExecuteReader();
        if (!reader.Read() || reader.GetFieldType(0) != typeof(long))
        {
            throw new PolicyStoreException($"{location}: damaged (no schema version in {SchemaTable})");
        }

        var version = reader.GetInt64(0);
        if (reader.Read())
        {
            throw new PolicyStoreException($"{location}: damaged (more than one schema version in {SchemaTable})");
        }

        return version;
    }

    private static bool TableExists(SqliteConnection connection, SqliteTransaction transaction, string name)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = $name";
        command.Parameters.AddWithValue("$name", name);
        return (long)command.ExecuteScalar()! > 0;
    }

    private static StoredPolicy ReadAll(string location, SqliteConnection connection, SqliteTransaction transaction) =>
        new(
            ReadTable(location, connection, transaction, Providers, static j => StoredObjectJson.ReadProvider(j), static m => m.Key),
            ReadTable(location, connection, transaction, Sublayers, static j => StoredObjectJson.ReadSublayer(j), static m => m.Key),
            ReadTable(location, connection, transaction, Callouts, static j => StoredObjectJson.ReadCallout(j), static m => m.Key),
            ReadTable(location, connection, transaction, ProviderContexts, static j => StoredObjectJson.ReadProviderContext(j), static m => m.Key),
            ReadTable(location, connection, transaction, Filters, static j => StoredObjectJson.ReadFilter(j), static m => m.Key))
        {
            SecurityDescriptors = ReadSecurity(location, connection, transaction),
        };

    private static Dictionary<(ObjectKind Kind, Guid Key), SecurityDescriptor> ReadSecurity(string location, SqliteConnection connection, SqliteTransaction transaction)
    {
        var result = new Dictionary<(ObjectKind Kind, Guid Key), SecurityDescriptor>();
        if (!TableExists(connection, transaction, SecurityTable))
        {
            return result;
        }

        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = $"SELECT kind, key, sddl FROM {SecurityTable} ORDER BY rowid";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var rowKey = reader.IsDBNull(1) ? "(null)" : reader.GetString(1);
            var kind = reader.IsDBNull(0) ? 0 : reader.GetInt64(0);
            if (kind is < (long)ObjectKind.Provider or > (long)ObjectKind.Filter || !Guid.TryParse(rowKey, out var key))
            {
                throw new PolicyStoreException($"{location}: row {SecurityTable}/{OneLine(rowKey)} names no object (kind {kind})");
            }

            if (reader.IsDBNull(2) || !SecurityDescriptor.TryParseSddl(reader.GetString(2), out var sd, out var error))
            {
                throw new PolicyStoreException($"{location}: row {SecurityTable}/{OneLine(rowKey)} is not a security descriptor");
            }

            result[((ObjectKind)kind, key)] = sd!;
        }

        return result;
    }

    private void WriteSecurity(SqliteTransaction transaction, IReadOnlyList<(ObjectKind Kind, Guid Key, SecurityDescriptor? Sd)> changes)
    {
        foreach (var (kind, key, sd) in changes)
        {
            using var command = _connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sd is null
                ? $"DELETE FROM {SecurityTable} WHERE kind = $kind AND key = $key"
                : $"INSERT INTO {SecurityTable} (kind, key, sddl) VALUES ($kind, $key, $sddl) ON CONFLICT (kind, key) DO UPDATE SET sddl = excluded.sddl";
            command.Parameters.AddWithValue("$kind", (long)kind);
            command.Parameters.AddWithValue("$key", Key(key));
            if (sd is not null)
            {
                command.Parameters.AddWithValue("$sddl", sd.ToSddl());
            }

            command.ExecuteNonQuery();
        }
    }

    private static List<T> ReadTable<T>(
        string location, SqliteConnection connection, SqliteTransaction transaction, Table table, Func<byte[], T> parse, Func<T, Guid> keyOf)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = table.SelectSql;
        using var reader = command.ExecuteReader();
        var list = new List<T>();
        while (reader.Read())
        {
            var rowKey = reader.IsDBNull(0) ? "(null)" : reader.GetString(0);
            if (reader.IsDBNull(1))
            {
                throw RowError(location, table, rowKey, "has no data");
            }

            T item;
            try
            {
                item = parse(reader.GetFieldValue<byte[]>(1));
            }
            catch (FormatException ex)
            {
                throw RowError(location, table, rowKey, $"does not parse: {Describe(ex)}");
            }

            var key = keyOf(item);
            if (!Guid.TryParse(rowKey, out var rowGuid) || rowGuid != key)
            {
                throw RowError(location, table, rowKey, $"holds a {table.Noun} with another key ('{Key(key)}')");
            }

            list.Add(item);
        }

        return list;
    }

    private static PolicyStoreException RowError(string location, Table table, string rowKey, string problem) =>
        new($"{location}: row {table.Name}/{OneLine(rowKey)} {problem}");

    /// <summary>The normalized key of every added object; refuses a change set with an object that has no usable key.</summary>
    private string[] Keys<T>(IReadOnlyList<T> added, Func<T, Guid> keyOf, Table table)
    {
        var keys = new string[added.Count];
        for (var i = 0; i < keys.Length; i++)
        {
            var key = keyOf(added[i]);
            if (key == Guid.Empty)
            {
                throw new PolicyStoreException(
                    $"{Location}: cannot store a {table.Noun} with key GUID_NULL; nothing of the change was stored");
            }

            keys[i] = Key(key);
        }

        return keys;
    }

    private static string Key(Guid guid) => guid.ToString("D");

    private static object? ExecuteScalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void RollBack(SqliteTransaction? transaction)
    {
        try
        {
            transaction?.Rollback();
        }
        catch (Exception ex) when (ex is SqliteException or InvalidOperationException)
        {
            // SQLite already rolled the transaction back itself (e.g. after a failed commit).
        }
    }

    private static void DeleteDatabaseFiles(string path)
    {
        foreach (var suffix in (ReadOnlySpan<string>)["", "-wal", "-shm", "-journal"])
        {
            File.Delete(path + suffix);
        }
    }

    private static void TryDeleteDatabaseFiles(string path)
    {
        foreach (var suffix in (ReadOnlySpan<string>)["", "-wal", "-shm", "-journal"])
        {
            TryDelete(path + suffix);
        }
    }

    /// <summary>Best effort: what is left is harmless (a temporary file is deleted by the next creation).</summary>
    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static string Describe(Exception ex) =>
        ex is UnauthorizedAccessException ? "permission denied" : OneLine(ex.Message).TrimEnd('.');

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    /// <summary>One object kind's table and its SQL.</summary>
    private sealed class Table
    {
        public Table(string name, string noun, bool isFilters)
        {
            Name = name;
            Noun = noun;
            IsFilters = isFilters;
            var extraColumns = isFilters ? ", filter_id INTEGER NOT NULL, boot_time INTEGER NOT NULL" : "";
            CreateSql = $"CREATE TABLE {name} (ordinal INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE{extraColumns}, data TEXT NOT NULL);";
            SelectSql = $"SELECT key, data FROM {name} ORDER BY ordinal";
            DeleteSql = $"DELETE FROM {name} WHERE key = $key";
            UpsertSql = isFilters
                ? $"INSERT INTO {name} (key, filter_id, boot_time, data) VALUES ($key, $filter_id, $boot_time, $data) "
                  + "ON CONFLICT (key) DO UPDATE SET filter_id = excluded.filter_id, boot_time = excluded.boot_time, data = excluded.data"
                : $"INSERT INTO {name} (key, data) VALUES ($key, $data) ON CONFLICT (key) DO UPDATE SET data = excluded.data";
        }

        public string Name { get; }

        public string Noun { get; }

        public bool IsFilters { get; }

        public string CreateSql { get; }

        public string SelectSql { get; }

        public string DeleteSql { get; }

        public string UpsertSql { get; }
    }

    /// <summary>The prepared delete and upsert commands of one table, reused by every <see cref="Apply"/>.</summary>
    private sealed class Writer : IDisposable
    {
        private readonly SqliteCommand _delete;
        private readonly SqliteParameter _deleteKey;
        private readonly SqliteCommand _upsert;
        private readonly SqliteParameter _upsertKey;
        private readonly SqliteParameter _upsertData;
        private readonly SqliteParameter? _upsertFilterId;
        private readonly SqliteParameter? _upsertBootTime;
        private readonly Func<object, byte[]> _serialize;

        public Writer(Table table, SqliteConnection connection, Func<object, byte[]> serialize)
        {
            _delete = connection.CreateCommand();
            _delete.CommandText = table.DeleteSql;
            _deleteKey = _delete.Parameters.Add("$key", SqliteType.Text);

            _upsert = connection.CreateCommand();
            _upsert.CommandText = table.UpsertSql;
            _upsertKey = _upsert.Parameters.Add("$key", SqliteType.Text);
            _upsertData = _upsert.Parameters.Add("$data", SqliteType.Text);
            _serialize = serialize;
            if (table.IsFilters)
            {
                _upsertFilterId = _upsert.Parameters.Add("$filter_id", SqliteType.Integer);
                _upsertBootTime = _upsert.Parameters.Add("$boot_time", SqliteType.Integer);
            }

            _delete.Prepare();
            _upsert.Prepare();
        }

        public void Write<T>(SqliteTransaction transaction, IReadOnlyList<Guid> deleted, IReadOnlyList<T> added, string[] addedKeys)
            where T : class
        {
            if (deleted.Count > 0)
            {
                // A key deleted and re-added in one change set is a replace: the upsert below keeps its position.
                HashSet<string>? readded = addedKeys.Length > 0 ? new(addedKeys, StringComparer.Ordinal) : null;
                _delete.Transaction = transaction;
                foreach (var guid in deleted)
                {
                    var key = Key(guid);
                    if (readded is null || !readded.Contains(key))
                    {
                        _deleteKey.Value = key;
                        _delete.ExecuteNonQuery();
                    }
                }
            }

            if (added.Count > 0)
            {
                _upsert.Transaction = transaction;
                for (var i = 0; i < added.Count; i++)
                {
                    _upsertKey.Value = addedKeys[i];
                    _upsertData.Value = Encoding.UTF8.GetString(_serialize(added[i]));
                    if (added[i] is FilterSpec filter)
                    {
                        _upsertFilterId!.Value = unchecked((long)filter.FilterId);
                        _upsertBootTime!.Value = (filter.Flags & FilterFlags.BootTime) != 0 ? 1L : 0L;
                    }

                    _upsert.ExecuteNonQuery();
                }
            }
        }

        public void Dispose()
        {
            _delete.Dispose();
            _upsert.Dispose();
        }
    }
}
