namespace OpenWfp.Engine.Tests.Catalog;

/// <summary>Collects every catalog-vs-JSON difference so one failing test lists them all, each naming its layer/field.</summary>
internal sealed class Mismatches
{
    private readonly List<string> _errors = [];

    public int Checks { get; private set; }

    public void Check<T>(string where, string what, T expected, T actual)
    {
        Checks++;
        if (!EqualityComparer<T>.Default.Equals(expected, actual))
        {
            _errors.Add($"{where}: {what} expected <{expected}> but was <{actual}>");
        }
    }

    public void CheckSequence<T>(string where, string what, IEnumerable<T> expected, IEnumerable<T> actual)
    {
        Checks++;
        var e = expected.ToArray();
        var a = actual.ToArray();
        if (!e.SequenceEqual(a))
        {
            _errors.Add($"{where}: {what} expected [{string.Join(", ", e)}] but was [{string.Join(", ", a)}]");
        }
    }

    public void Fail(string where, string message)
    {
        Checks++;
        _errors.Add($"{where}: {message}");
    }

    public void AssertNone()
    {
        Assert.True(Checks > 0, "no comparison was made");
        Assert.True(_errors.Count == 0, $"{_errors.Count} mismatch(es) between the catalog and layers.json:\n" + string.Join("\n", _errors.Take(100)));
    }
}
