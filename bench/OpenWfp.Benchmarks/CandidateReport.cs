using OpenWfp.Engine.Catalog;

namespace OpenWfp.Benchmarks;

/// <summary>
/// `--candidates`: why classify costs what it costs. For each field the engine could index on, counts the filters
/// that have no condition on it (they would sit in the wildcard list that every classify walks) and the mean number
/// of filters whose condition on it holds per input (the bucket an interval index would return). Uses only the
/// public API (the committed FilterSpecs) and the naive classifier's condition test.
/// </summary>
public static class CandidateReport
{
    /// <summary>Prints the table.</summary>
    public static void Run(int n)
    {
        var factory = new PolicyFactory(n);
        var engine = factory.BuildEngine();
        var inputs = factory.Inputs(ClassifyBenchmarks.InputCount);
        var filters = engine.Current.FiltersOf(PolicyFactory.Layer).ToArray();
        LayerFieldInfo[] fields = [PolicyFactory.RemoteAddress, PolicyFactory.RemotePort, PolicyFactory.Protocol, PolicyFactory.AppIdField, PolicyFactory.LocalPort];
        Console.WriteLine($"filters {filters.Length}, inputs {inputs.Length}");
        Console.WriteLine($"{"field",-20} {"filters w/o cond",16} {"mean bucket",12} {"bucket+wild",12}");
        foreach (var field in fields)
        {
            var key = field.ConditionKey!.Value;
            var without = filters.Count(f => !f.Conditions.Any(c => c.FieldKey == key));
            long bucket = 0;
            foreach (var input in inputs)
            {
                foreach (var f in filters)
                {
                    var any = false;
                    var has = false;
                    foreach (var c in f.Conditions)
                    {
                        if (c.FieldKey == key)
                        {
                            has = true;
                            any |= NaiveClassifier.Holds(c, input[field.Index]);
                        }
                    }

                    if (has && any)
                    {
                        bucket++;
                    }
                }
            }

            var mean = (double)bucket / inputs.Length;
            Console.WriteLine($"{field.Name,-20} {without,16} {mean,12:F1} {without + mean,12:F1}");
        }

        var naive = new NaiveClassifier(PolicyFactory.Layer, factory.Sublayers, filters);
        var decided = AgreementCheck.Run(engine, naive, inputs);
        Console.WriteLine($"engine and naive agree on all inputs; {decided} of {inputs.Length} decided by a filter");
    }
}
