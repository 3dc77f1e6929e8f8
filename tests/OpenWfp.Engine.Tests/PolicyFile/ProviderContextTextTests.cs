using System.Text;
using OpenWfp.Engine.Callouts;
using OpenWfp.Engine.Model;
using OpenWfp.Engine.PolicyFile;

namespace OpenWfp.Engine.Tests.PolicyFile;

/// <summary>Native policy files give a callout's provider context as text and name it from filters (docs/POLICY.md, Provider contexts).</summary>
public sealed class ProviderContextTextTests
{
    private const string Policy = """
        {
          "version": 1,
          "providerContexts": [ { "name": "no-posts", "text": "POST example.com/upload" } ],
          "filters": [
            { "name": "http", "layer": "STREAM_V4", "action": { "callout": "openwfp.http-request" }, "providerContext": "no-posts" }
          ]
        }
        """;

    [Fact]
    public void TextBecomesUtf8DataAndTheFilterNamesTheContextAndTheShippedCallout()
    {
        var engine = new FilterEngine();
        PolicyJsonReader.Read(Policy, "test.json").ApplyTo(engine);
        var snapshot = engine.Current;
        var context = Assert.Single(snapshot.ProviderContextsByKey.Values);
        Assert.Equal("POST example.com/upload", Encoding.UTF8.GetString(context.Data!));
        var filter = Assert.Single(snapshot.FiltersByKey.Values);
        Assert.Equal(context.Key, filter.ProviderContextKey);
        Assert.True((filter.Flags & FilterFlags.HasProviderContext) != 0);
        Assert.Equal(OpenWfpCallouts.HttpRequest.Key, filter.Action.CalloutKey);
    }

    [Fact]
    public void DataAndTextTogetherAreRefused()
    {
        var e = Assert.Throws<PolicyFileException>(() => PolicyJsonReader.Read(
            """{ "version": 1, "providerContexts": [ { "name": "x", "text": "a", "data": "00" } ] }""", "t.json"));
        Assert.Contains("not both", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownContextNameIsAClearError()
    {
        var e = Assert.Throws<PolicyFileException>(() => PolicyJsonReader.Read(
            """{ "version": 1, "filters": [ { "name": "f", "layer": "STREAM_V4", "action": "permit", "providerContext": "nope" } ] }""", "t.json"));
        Assert.Contains("no provider context \"nope\"", e.Message, StringComparison.Ordinal);
    }
}
