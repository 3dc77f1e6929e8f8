using Microsoft.Data.Sqlite;
using OpenWfp.Bfe.Persistence;
using OpenWfp.Engine.Model;

namespace OpenWfp.Bfe.Tests.Persistence;

public sealed class SqlitePolicyStoreTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private string StorePath => _temp.File("policy.db");

    // ---- creation ----

    [Fact]
    public void Open_MissingFileAndDirectories_CreatesAnEmptyStore()
    {
        var path = _temp.File("var/lib/openwfp/policy.db");

        using (var store = SqlitePolicyStore.Open(path))
        {
            Assert.Equal(path, store.Location);
            AssertEmpty(store.Load());
        }

        Assert.True(File.Exists(path));
        // Nothing but the store is left behind: no temporary file, and a clean close removed the WAL.
        Assert.Equal(["policy.db"], Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName));
        using var reopened = SqlitePolicyStore.Open(path);
        AssertEmpty(reopened.Load());
    }

    [Fact]
    public void Open_CreatedFile_IsWalModeWithTheCurrentSchemaVersion()
    {
        SqlitePolicyStore.Open(StorePath).Dispose();

        using var connection = Raw(StorePath);
        Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode"));
        Assert.Equal((long)SqlitePolicyStore.SchemaVersion, Scalar(connection, "SELECT version FROM openwfp_schema"));
    }

    [Fact]
    public void Open_LeftoverTemporaryFileOfAnInterruptedCreation_IsReplaced()
    {
        File.WriteAllBytes(StorePath + ".creating", [1, 2, 3]);

        using (var store = SqlitePolicyStore.Open(StorePath))
        {
            store.Apply(new PolicyChangeSet { AddedFilters = [Policies.Filter(1)] });
        }

        Assert.False(File.Exists(StorePath + ".creating"));
        using var reopened = SqlitePolicyStore.Open(StorePath);
        Same([Policies.Filter(1)], reopened.Load().Filters);
    }

    // ---- round trips ----

    [Fact]
    public void RoundTrip_EveryKindWithEveryFieldSet_ComesBackEqualAfterReopen()
    {
        var provider = Policies.Provider(1);
        var sublayer = Policies.Sublayer(2);
        var callout = Policies.Callout(3);
        var context = Policies.ProviderContext(4);
        var filter = Policies.Filter(5);
        foreach (var spec in new object[] { provider, sublayer, callout, context, filter })
        {
            Policies.AssertEveryMemberSet(spec);
        }

        using (var store = SqlitePolicyStore.Open(StorePath))
        {
            store.Apply(new PolicyChangeSet
            {
                AddedProviders = [provider],
                AddedSublayers = [sublayer],
                AddedCallouts = [callout],
                AddedProviderContexts = [context],
                AddedFilters = [filter],
            });
            AssertPolicy(store.Load(), [provider], [sublayer], [callout], [context], [filter]);
        }

        using var reopened = SqlitePolicyStore.Open(StorePath);
        AssertPolicy(reopened.Load(), [provider], [sublayer], [callout], [context], [filter]);
    }

    [Fact]
    public void Load_ReturnsCopies_MutatingThemDoesNotChangeTheStore()
    {
        using var store = SqlitePolicyStore.Open(StorePath);
        var filter = Policies.Filter(1);
        store.Apply(new PolicyChangeSet { AddedFilters = [filter] });

        store.Load().Filters[0].ProviderData![0] = 99;
        filter.ProviderData![0] = 98;

        Same([Policies.Filter(1)], store.Load().Filters);
    }

    [Fact]
    public void Apply_TenThousandFilters_AllComeBackInOrder()
    {
        var filters = Enumerable.Range(0, 10_000).Select(Policies.Filter).ToArray();
        using (var store = SqlitePolicyStore.Open(StorePath))
        {
            store.Apply(new PolicyChangeSet { AddedFilters = filters });
        }

        using var reopened = SqlitePolicyStore.Open(StorePath);
        Same(filters, reopened.Load().Filters);
    }

    [Fact]
    public void Filters_FilterIdAndBootTimeColumns_CopyTheMessage()
    {
        var bootTime = Policies.Filter(1) with { Flags = FilterFlags.BootTime, FilterId = ulong.MaxValue };
        using (var store = SqlitePolicyStore.Open(StorePath))
        {
            store.Apply(new PolicyChangeSet { AddedFilters = [bootTime, Policies.Filter(2)] });
        }

        using var connection = Raw(StorePath);
        Assert.Equal("-1,1;70002,0", Scalar(connection, "SELECT group_concat(filter_id || ',' || boot_time, ';') FROM (SELECT * FROM filters ORDER BY ordinal)"));
        Assert.Equal(Policies.Key(1).ToString(), Scalar(connection, "SELECT key FROM filters ORDER BY ordinal LIMIT 1"));
    }

    // ---- replace, delete, order ----

    [Fact]
    public void Apply_AddOfAStoredKey_ReplacesItInPlace()
    {
        using var store = SqlitePolicyStore.Open(StorePath);
        store.Apply(new PolicyChangeSet { AddedFilters = [Policies.Filter(1), Policies.Filter(2), Policies.Filter(3)] });
        var replacement = Policies.Filter(2) with { DisplayData = new("filter 2, second version"), Conditions = [] };

        store.Apply(new PolicyChangeSet { AddedFilters = [replacement] });

        Same([Policies.Filter(1), replacement, Policies.Filter(3)], store.Load().Filters);
    }

    [Fact]
    public void Apply_DeleteAndReAddOfAKeyInOneChangeSet_ReplacesItInPlace()
    {
        using var store = SqlitePolicyStore.Open(StorePath);
        store.Apply(new PolicyChangeSet { AddedProviders = [Policies.Provider(1), Policies.Provider(2)] });
        var replacement = Policies.Provider(1) with { ServiceName = "other" };

        store.Apply(new PolicyChangeSet { DeletedProviders = [Policies.Key(1)], AddedProviders = [replacement] });

        Same([replacement, Policies.Provider(2)], store.Load().Providers);
    }

    [Fact]
    public void Apply_SameKeyAddedTwiceInOneChangeSet_TheLastWins()
    {
        using var store = SqlitePolicyStore.Open(StorePath);
        var second = Policies.Callout(1) with { CalloutId = 9 };

        store.Apply(new PolicyChangeSet { AddedCallouts = [Policies.Callout(1), Policies.Callout(2), second] });

        Same([second, Policies.Callout(2)], store.Load().Callouts);
    }

    [Fact]
    public void Apply_Deletes_RemoveOnlyThatKindsObject()
    {
        using var store = SqlitePolicyStore.Open(StorePath);
        // Keys are unique per object type only (docs/ERRORS.md, Lifetimes and references): a filter and a provider context may share a GUID.
        store.Apply(new PolicyChangeSet
        {
            AddedProviders = [Policies.Provider(1)],
            AddedSublayers = [Policies.Sublayer(1)],
            AddedCallouts = [Policies.Callout(1)],
            AddedProviderContexts = [Policies.ProviderContext(1), Policies.ProviderContext(2)],
            AddedFilters = [Policies.Filter(1), Policies.Filter(2), Policies.Filter(3)],
        });

        store.Apply(new PolicyChangeSet
        {
            DeletedFilters = [Policies.Key(1), Policies.Key(3)],
            DeletedProviderContexts = [Policies.Key(2)],
        });

        AssertPolicy(
            store.Load(),
            [Policies.Provider(1)],
            [Policies.Sublayer(1)],
            [Policies.Callout(1)],
            [Policies.ProviderContext(1)],
            [Policies.Filter(2)]);
    }

    [Fact]
    public void Apply_DeleteOfEveryKind_EmptiesTheStore()
    {
        using var store = SqlitePolicyStore.Open(StorePath);
        store.Apply(new PolicyChangeSet
        {
            AddedProviders = [Policies.Provider(1)],
            AddedSublayers = [Policies.Sublayer(2)],
            AddedCallouts = [Policies.Callout(3)],
            AddedProviderContexts = [Policies.ProviderContext(4)],
            AddedFilters = [Policies.Filter(5)],
        });

        store.Apply(new PolicyChangeSet
        {
            DeletedProviders = [Policies.Key(1)],
            DeletedSublayers = [Policies.Key(2)],
            DeletedCallouts = [Policies.Key(3)],
            DeletedProviderContexts = [Policies.Key(4)],
            DeletedFilters = [Policies.Key(5)],
        });

        AssertEmpty(store.Load());
    }

    [Fact]
    public void Apply_DeleteOfAKeyNotStored_IsNotAnError()
    {
        using var store = SqlitePolicyStore.Open(StorePath);
        store.Apply(new PolicyChangeSet { AddedFilters = [Policies.Filter(1)] });

        store.Apply(new PolicyChangeSet { DeletedFilters = [Guid.NewGuid()], DeletedSublayers = [Policies.Key(1)] });

        Same([Policies.Filter(1)], store.Load().Filters);
    }

    [Fact]
    public void Load_EachKind_InTheOrderFirstStored()
    {
        // Keys in descending order, so that key order and insertion order disagree.
        int[] order = [9, 3, 7, 1, 8];
        using (var store = SqlitePolicyStore.Open(StorePath))
        {
            store.Apply(new PolicyChangeSet { AddedSublayers = [.. order[..3].Select(Policies.Sublayer)], AddedFilters = [.. order[..2].Select(Policies.Filter)] });
            store.Apply(new PolicyChangeSet { AddedSublayers = [.. order[3..].Select(Policies.Sublayer)], AddedFilters = [.. order[2..].Select(Policies.Filter)] });
            store.Apply(new PolicyChangeSet { DeletedFilters = [Policies.Key(7)] });
            store.Apply(new PolicyChangeSet { AddedFilters = [Policies.Filter(4), Policies.Filter(7)] });
        }

        using var reopened = SqlitePolicyStore.Open(StorePath);
        var policy = reopened.Load();
        Same(order.Select(Policies.Sublayer), policy.Sublayers);
        int[] filterOrder = [9, 3, 1, 8, 4, 7];
        Same(filterOrder.Select(Policies.Filter), policy.Filters);
    }

    // ---- empty change set, failures, dispose ----

    [Fact]
    public void Apply_EmptyChangeSet_ChangesNothing()
    {
        using (var store = SqlitePolicyStore.Open(StorePath))
        {
            store.Apply(new PolicyChangeSet { AddedFilters = [Policies.Filter(1)] });
        }

        var before = File.ReadAllBytes(StorePath);
        using (var store = SqlitePolicyStore.Open(StorePath))
        {
            Assert.True(new PolicyChangeSet().IsEmpty);
            store.Apply(new PolicyChangeSet());
            Assert.False(File.Exists(StorePath + "-wal") && new FileInfo(StorePath + "-wal").Length > 0, "an empty change set wrote to the WAL");
            Same([Policies.Filter(1)], store.Load().Filters);
        }

        Assert.Equal(before, File.ReadAllBytes(StorePath));
    }

    [Fact]
    public void Apply_AnAddedObjectWithKeyGuidNull_ThrowsAndStoresNothing()
    {
        using var store = SqlitePolicyStore.Open(StorePath);
        store.Apply(new PolicyChangeSet { AddedFilters = [Policies.Filter(1)] });
        var bad = Policies.Sublayer(2) with { Key = Guid.Empty };

        var ex = Assert.Throws<PolicyStoreException>(() => store.Apply(new PolicyChangeSet
        {
            DeletedFilters = [Policies.Key(1)],
            AddedFilters = [Policies.Filter(3)],
            AddedSublayers = [bad],
        }));

        Assert.Contains(StorePath, ex.Message, StringComparison.Ordinal);
        Assert.Contains("sublayer with key GUID_NULL", ex.Message, StringComparison.Ordinal);
        var policy = store.Load();
        Same([Policies.Filter(1)], policy.Filters);
        Assert.Empty(policy.Sublayers);
    }

    [Fact]
    public void Apply_FailureInTheMiddleOfTheTransaction_StoresNothingAndTheStoreStaysUsable()
    {
        using var store = SqlitePolicyStore.Open(StorePath);
        store.Apply(new PolicyChangeSet { AddedProviders = [Policies.Provider(1)], AddedFilters = [Policies.Filter(1), Policies.Filter(2)] });
        // Make the insert of filter 5 fail after the provider delete, the filter delete and filter 4's insert ran.
        using (var other = Raw(StorePath))
        {
            Scalar(other, $"CREATE TRIGGER fail BEFORE INSERT ON filters WHEN NEW.key = '{Policies.Key(5)}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END");
        }

        var ex = Assert.Throws<PolicyStoreException>(() => store.Apply(new PolicyChangeSet
        {
            DeletedProviders = [Policies.Key(1)],
            DeletedFilters = [Policies.Key(1)],
            AddedFilters = [Policies.Filter(4), Policies.Filter(5)],
        }));

        Assert.Contains(StorePath, ex.Message, StringComparison.Ordinal);
        Assert.Contains("injected failure", ex.Message, StringComparison.Ordinal);
        Assert.IsType<SqliteException>(ex.InnerException);
        AssertPolicy(store.Load(), [Policies.Provider(1)], [], [], [], [Policies.Filter(1), Policies.Filter(2)]);

        using (var other = Raw(StorePath))
        {
            Scalar(other, "DROP TRIGGER fail");
        }

        store.Apply(new PolicyChangeSet { DeletedFilters = [Policies.Key(1)], AddedFilters = [Policies.Filter(5)] });
        Same([Policies.Filter(2), Policies.Filter(5)], store.Load().Filters);
    }

    [Fact]
    public void Dispose_Twice_IsFine_AndUseAfterwardsThrowsObjectDisposed()
    {
        var store = SqlitePolicyStore.Open(StorePath);
        store.Dispose();
        store.Dispose();

        Assert.Throws<ObjectDisposedException>(() => store.Load());
        Assert.Throws<ObjectDisposedException>(() => store.Apply(new PolicyChangeSet { AddedFilters = [Policies.Filter(1)] }));
    }

    // ---- files that are not a valid store: one-line error naming the file; the file is left as it was ----

    [Fact]
    public void Open_RandomBytes_NotADatabase()
    {
        var bytes = new byte[8192];
        new Random(1).NextBytes(bytes);
        File.WriteAllBytes(StorePath, bytes);

        AssertRefused(StorePath, "not an OpenWfp policy store (file is not a database)");
    }

    [Fact]
    public void Open_SqliteHeaderFollowedByGarbage_IsRefused()
    {
        var bytes = new byte[8192];
        new Random(2).NextBytes(bytes);
        "SQLite format 3\0"u8.CopyTo(bytes);
        File.WriteAllBytes(StorePath, bytes);

        AssertRefused(StorePath, null);
    }

    [Fact]
    public void Open_EmptyFile_IsRefused()
    {
        File.WriteAllBytes(StorePath, []);

        AssertRefused(StorePath, "not an OpenWfp policy store (empty file)");
    }

    [Fact]
    public void Open_TruncatedStore_IsRefused()
    {
        using (var store = SqlitePolicyStore.Open(StorePath))
        {
            store.Apply(new PolicyChangeSet { AddedFilters = [.. Enumerable.Range(0, 500).Select(Policies.Filter)] });
        }

        var bytes = File.ReadAllBytes(StorePath);
        Assert.True(bytes.Length > 64 * 1024, $"store is only {bytes.Length} bytes");
        File.WriteAllBytes(StorePath, bytes[..(bytes.Length / 2)]);

        AssertRefused(StorePath, "damaged");
    }

    [Fact]
    public void Open_TruncatedToLessThanAHeader_IsRefused()
    {
        SqlitePolicyStore.Open(StorePath).Dispose();
        File.WriteAllBytes(StorePath, File.ReadAllBytes(StorePath)[..50]);

        AssertRefused(StorePath, "not an OpenWfp policy store (file is not a database)");
    }

    [Fact]
    public void Open_SqliteDatabaseOfAnotherApplication_IsRefused()
    {
        using (var other = Raw(StorePath, SqliteOpenMode.ReadWriteCreate))
        {
            Scalar(other, "CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT); INSERT INTO settings VALUES ('a', 'b')");
        }

        AssertRefused(StorePath, "not an OpenWfp policy store (no openwfp_schema table)");
    }

    [Fact]
    public void Open_SchemaVersionNewerThanThisBuild_IsRefused()
    {
        SqlitePolicyStore.Open(StorePath).Dispose();
        using (var other = Raw(StorePath))
        {
            Scalar(other, "UPDATE openwfp_schema SET version = 7");
        }

        AssertRefused(StorePath, $"schema version 7 is newer than this wfpd understands ({SqlitePolicyStore.SchemaVersion})");
    }

    [Fact]
    public void Open_StoreOfTheProtocolMessageSchema_IsRefusedNamingTheFile()
    {
        // Schema version 1, as earlier builds wrote it: the management API's protobuf messages in BLOB columns.
        using (var other = Raw(StorePath, SqliteOpenMode.ReadWriteCreate))
        {
            Scalar(other, "CREATE TABLE openwfp_schema (version INTEGER NOT NULL); INSERT INTO openwfp_schema VALUES (1);"
                + string.Concat(((string[])["providers", "sublayers", "callouts", "provider_contexts"]).Select(t =>
                    $"CREATE TABLE {t} (ordinal INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, data BLOB NOT NULL);"))
                + "CREATE TABLE filters (ordinal INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, filter_id INTEGER NOT NULL, boot_time INTEGER NOT NULL, data BLOB NOT NULL);"
                + $"INSERT INTO filters (key, filter_id, boot_time, data) VALUES ('{Policies.Key(1)}', 1, 0, x'0a2430');");
        }

        AssertRefused(StorePath, "schema version 1 (protocol messages, from an earlier wfpd) is no longer read; move the file aside and add the persistent policy again");
    }

    [Fact]
    public void Rows_HoldTheStoresOwnJson()
    {
        StoreWithFilters(2);

        using var connection = Raw(StorePath);
        Assert.Equal("text", Scalar(connection, $"SELECT typeof(data) FROM filters WHERE key = '{Policies.Key(2)}'"));
        Assert.Equal(70_002L, Scalar(connection, $"SELECT json_extract(data, '$.filterId') FROM filters WHERE key = '{Policies.Key(2)}'"));
        Assert.Equal("filter 2", Scalar(connection, $"SELECT json_extract(data, '$.name') FROM filters WHERE key = '{Policies.Key(2)}'"));
        Assert.Equal(0x0A00_0000L, Scalar(connection, $"SELECT json_extract(data, '$.conditions[2].value.value.uint') FROM filters WHERE key = '{Policies.Key(2)}'"));
    }

    [Fact]
    public void Open_RowWithAMemberMissing_IsRefusedNamingTheMember()
    {
        StoreWithFilters(3);
        using (var other = Raw(StorePath))
        {
            Scalar(other, $"UPDATE filters SET data = json_remove(data, '$.layerKey') WHERE key = '{Policies.Key(3)}'");
        }

        AssertRefused(StorePath, $"row filters/{Policies.Key(3)} does not parse: 'layerKey' is missing");
    }

    [Fact]
    public void Open_SchemaWithATableMissing_IsRefused()
    {
        SqlitePolicyStore.Open(StorePath).Dispose();
        using (var other = Raw(StorePath))
        {
            Scalar(other, "DROP TABLE callouts");
        }

        AssertRefused(StorePath, "table callouts is missing");
    }

    [Fact]
    public void Open_RowWhoseBlobDoesNotParse_IsRefused()
    {
        StoreWithFilters(3);
        using (var other = Raw(StorePath))
        {
            Scalar(other, $"UPDATE filters SET data = x'FFFFFFFF' WHERE key = '{Policies.Key(1)}'");
        }

        AssertRefused(StorePath, $"row filters/{Policies.Key(1)} does not parse");
    }

    [Fact]
    public void Open_RowHoldingAnotherKeysObject_IsRefused()
    {
        StoreWithFilters(3);
        using (var other = Raw(StorePath))
        {
            Scalar(other, $"UPDATE filters SET data = (SELECT data FROM filters WHERE key = '{Policies.Key(2)}') WHERE key = '{Policies.Key(1)}'");
        }

        AssertRefused(StorePath, $"row filters/{Policies.Key(1)} holds a filter with another key ('{Policies.Key(2)}')");
    }

    [Fact]
    public void Open_BadRowThatIsOnlyInTheWriteAheadLog_IsRefusedWithoutCheckpointingIt()
    {
        // A store whose last commit (the damage) is still in its WAL, as after a crash: copy the files while the
        // writer holds them open.
        StoreWithFilters(3);
        var copy = _temp.File("copy.db");
        using (var other = Raw(StorePath))
        {
            Scalar(other, "PRAGMA wal_autocheckpoint = 0");
            Scalar(other, $"UPDATE filters SET data = x'FFFFFFFF' WHERE key = '{Policies.Key(2)}'");
            File.Copy(StorePath, copy);
            File.Copy(StorePath + "-wal", copy + "-wal");
        }

        Assert.True(new FileInfo(copy + "-wal").Length > 0);
        var wal = File.ReadAllBytes(copy + "-wal");

        AssertRefused(copy, $"row filters/{Policies.Key(2)} does not parse");

        Assert.Equal(wal, File.ReadAllBytes(copy + "-wal"));
    }

    [Fact]
    public void Open_PathIsADirectory_IsRefused()
    {
        Directory.CreateDirectory(StorePath);

        var ex = Assert.Throws<PolicyStoreException>(() => SqlitePolicyStore.Open(StorePath));

        Assert.Equal($"{StorePath}: is a directory, not a policy store", ex.Message);
    }

    [Fact]
    public void Open_UnreadableFile_IsRefused()
    {
        SqlitePolicyStore.Open(StorePath).Dispose();
        File.SetUnixFileMode(StorePath, UnixFileMode.None);
        if (Environment.IsPrivilegedProcess)
        {
            AssertRefusedToNobody(StorePath, "permission denied");
            return;
        }

        AssertRefused(StorePath, "cannot open for reading and writing (permission denied)");
    }

    [Fact]
    public void Open_ReadOnlyFile_IsRefused()
    {
        SqlitePolicyStore.Open(StorePath).Dispose();
        if (Environment.IsPrivilegedProcess)
        {
            // Root ignores file modes: the open runs as nobody, for whom the file is readable but not writable.
            File.SetUnixFileMode(StorePath, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            AssertRefusedToNobody(StorePath, "permission denied");
            return;
        }

        File.SetUnixFileMode(StorePath, UnixFileMode.UserRead);
        AssertRefused(StorePath, "cannot open for reading and writing (permission denied)");
    }

    [Fact]
    public void Open_InAnUnwritableDirectory_IsRefused()
    {
        string path;
        if (Environment.IsPrivilegedProcess)
        {
            // root writes anywhere chmod allows nothing; sysfs refuses new files even to root.
            Assert.SkipUnless(Directory.Exists("/sys/kernel"), "needs /sys to run as root");
            path = $"/sys/kernel/openwfp-{Guid.NewGuid():N}.db";
        }
        else
        {
            var directory = Directory.CreateDirectory(_temp.File("readonly"));
            directory.UnixFileMode = UnixFileMode.UserRead | UnixFileMode.UserExecute;
            path = Path.Combine(directory.FullName, "policy.db");
        }

        var ex = Assert.Throws<PolicyStoreException>(() => SqlitePolicyStore.Open(path));

        Assert.Equal($"{path}: cannot create the policy store (permission denied)", ex.Message);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Open_WhereTheDirectoryCannotBeCreated_IsRefused()
    {
        File.WriteAllText(_temp.File("plain-file"), "not a directory");
        var path = _temp.File("plain-file/openwfp/policy.db");

        var ex = Assert.Throws<PolicyStoreException>(() => SqlitePolicyStore.Open(path));

        Assert.StartsWith($"{path}: cannot create the directory {_temp.File("plain-file/openwfp")} (", ex.Message, StringComparison.Ordinal);
        AssertOneLine(ex.Message);
    }

    // ---- helpers ----

    private void StoreWithFilters(int count)
    {
        using var store = SqlitePolicyStore.Open(StorePath);
        store.Apply(new PolicyChangeSet { AddedFilters = [.. Enumerable.Range(1, count).Select(Policies.Filter)] });
    }

    /// <summary>Open refuses <paramref name="path"/> with a one-line message naming it (and <paramref name="problem"/>), and leaves the file's bytes as they were.</summary>
    private static void AssertRefused(string path, string? problem)
    {
        var before = ReadBytes(path);
        var files = Listing(path);

        var ex = Assert.Throws<PolicyStoreException>(() => SqlitePolicyStore.Open(path));

        Assert.StartsWith(path + ": ", ex.Message, StringComparison.Ordinal);
        if (problem is not null)
        {
            Assert.Contains(problem, ex.Message, StringComparison.Ordinal);
        }

        AssertOneLine(ex.Message);
        Assert.Equal(before, ReadBytes(path));
        Assert.Equal(files, Listing(path));

        // Still refused, with the same message, the second time: nothing was "repaired" or created over it.
        Assert.Equal(ex.Message, Assert.Throws<PolicyStoreException>(() => SqlitePolicyStore.Open(path)).Message);
        Assert.Equal(before, ReadBytes(path));
    }

    /// <summary>The files in <paramref name="path"/>'s directory: a failed open leaves no -wal or -shm behind.</summary>
    private static string[] Listing(string path) =>
        [.. Directory.GetFiles(Path.GetDirectoryName(path)!).Select(Path.GetFileName).Order(StringComparer.Ordinal)!];

    /// <summary>The file's bytes, also when a test made it unreadable (its mode is restored afterwards).</summary>
    private static byte[] ReadBytes(string path)
    {
        var mode = File.GetUnixFileMode(path);
        File.SetUnixFileMode(path, mode | UnixFileMode.UserRead);
        try
        {
            return File.ReadAllBytes(path);
        }
        finally
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    private static void AssertOneLine(string message)
    {
        Assert.DoesNotContain('\n', message);
        Assert.DoesNotContain('\r', message);
    }

    /// <summary>
    /// As root, file modes stop nobody: the open runs in the crash helper as the user nobody (setpriv, util-linux),
    /// and must print the one-line refusal and leave the file as it was.
    /// </summary>
    private void AssertRefusedToNobody(string path, string problem)
    {
        Assert.SkipUnless(File.Exists("/usr/bin/setpriv"), "needs setpriv (util-linux) to run the open as another user");
        var before = ReadBytes(path);
        var helper = _temp.File("helper");
        Directory.CreateDirectory(helper);
        foreach (var file in Directory.GetFiles(AppContext.BaseDirectory, "*", SearchOption.TopDirectoryOnly))
        {
            File.Copy(file, System.IO.Path.Combine(helper, System.IO.Path.GetFileName(file)));
        }

        foreach (var entry in Directory.GetFileSystemEntries(_temp.Path, "*", SearchOption.AllDirectories).Append(_temp.Path))
        {
            if (entry != path)
            {
                File.SetUnixFileMode(entry, File.GetUnixFileMode(entry) | UnixFileMode.OtherRead | (Directory.Exists(entry) ? UnixFileMode.OtherExecute : 0));
            }
        }

        var psi = new System.Diagnostics.ProcessStartInfo("/usr/bin/setpriv") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--reuid=65534", "--regid=65534", "--clear-groups", "dotnet", System.IO.Path.Combine(helper, "OpenWfp.Bfe.CrashHelper.dll"), "open", path })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["DOTNET_CLI_HOME"] = _temp.Path;
        psi.Environment["HOME"] = _temp.Path;
        using var process = System.Diagnostics.Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();

        Assert.True(output.StartsWith(path + ": ", StringComparison.Ordinal), $"nobody's open printed \"{output}\" {error}");
        Assert.Contains(problem, output, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', output);
        Assert.Equal(before, ReadBytes(path));
    }

    private static void AssertEmpty(StoredPolicy policy) =>
        AssertPolicy(policy, [], [], [], [], []);

    private static void AssertPolicy(
        StoredPolicy policy, ProviderSpec[] providers, SublayerSpec[] sublayers, CalloutSpec[] callouts, ProviderContextSpec[] contexts, FilterSpec[] filters)
    {
        Same(providers, policy.Providers);
        Same(sublayers, policy.Sublayers);
        Same(callouts, policy.Callouts);
        Same(contexts, policy.ProviderContexts);
        Same(filters, policy.Filters);
    }

    private static void Same<T>(IEnumerable<T> expected, IReadOnlyList<T> actual)
        where T : class =>
        Assert.Equal(expected, actual, SpecComparer<T>.Instance);

    private static SqliteConnection Raw(string path, SqliteOpenMode mode = SqliteOpenMode.ReadWrite)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
