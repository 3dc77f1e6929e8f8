namespace OpenWfp.Callouts.Http;

/// <summary>One followed connection: a parse state per filter that uses the callout on it.</summary>
internal sealed class HttpFlow
{
    /// <summary>How many openwfp.http-request filters one connection can be followed for.</summary>
    public const int MaxFilters = 4;

    public readonly ulong[] FilterIds = new ulong[MaxFilters];
    public readonly HttpStream[] Streams = new HttpStream[MaxFilters];
    public int Count;
    public ulong FlowHandle;
    public bool InUse;

    /// <summary>The parse state for a filter, or -1 when the connection already has <see cref="MaxFilters"/> others.</summary>
    public int IndexOf(ulong filterId)
    {
        for (var i = 0; i < Count; i++)
        {
            if (FilterIds[i] == filterId)
            {
                return i;
            }
        }

        if (Count == MaxFilters)
        {
            return -1;
        }

        FilterIds[Count] = filterId;
        Streams[Count] = default;
        return Count++;
    }

    public void Clear()
    {
        Count = 0;
        FlowHandle = 0;
    }
}

/// <summary>
/// A bounded pool of <see cref="HttpFlow"/> records. The flow context the callout associates with a connection
/// (FwpsFlowAssociateContext's role) is the record's index plus one; flowDeleteFn gives the record back.
/// Records are made on first use and reused, so a warm pool allocates nothing.
/// </summary>
internal sealed class HttpFlowTable
{
    private readonly HttpFlow?[] _flows;
    private readonly int[] _free;
    private readonly Lock _lock = new();
    private int _freeCount;
    private int _next;

    public HttpFlowTable(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _flows = new HttpFlow?[capacity];
        _free = new int[capacity];
    }

    /// <summary>Records in use.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _next - _freeCount;
            }
        }
    }

    /// <summary>Takes a free record; false when all are in use.</summary>
    public bool TryRent(ulong flowHandle, out ulong context, out HttpFlow flow)
    {
        int index;
        lock (_lock)
        {
            if (_freeCount > 0)
            {
                index = _free[--_freeCount];
            }
            else if (_next < _flows.Length)
            {
                index = _next++;
            }
            else
            {
                context = 0;
                flow = null!;
                return false;
            }
        }

        flow = _flows[index] ??= new HttpFlow();
        lock (flow)
        {
            flow.Clear();
            flow.FlowHandle = flowHandle;
            flow.InUse = true;
        }

        context = (ulong)index + 1;
        return true;
    }

    /// <summary>The record a flow context names, or null for a context this table did not give.</summary>
    public HttpFlow? Get(ulong context) => context - 1 < (ulong)_flows.Length ? _flows[context - 1] : null;

    /// <summary>Gives a record back (flowDeleteFn).</summary>
    public void Return(ulong context)
    {
        if (Get(context) is not { } flow)
        {
            return;
        }

        lock (flow)
        {
            if (!flow.InUse)
            {
                return;
            }

            flow.Clear();
            flow.InUse = false;
        }

        lock (_lock)
        {
            _free[_freeCount++] = (int)(context - 1);
        }
    }
}
