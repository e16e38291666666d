using System.Diagnostics;

namespace PretixOps.Snmp;

/// <summary>What we know of one authoritative engine: its id, and boots and time as of a local instant.</summary>
internal sealed class EngineState(byte[] id)
{
    private readonly Lock _lock = new();
    private int _boots;
    private int _time;
    private int _latestReceivedTime;
    private long _observedAt = Stopwatch.GetTimestamp();

    public byte[] Id { get; } = id;

    /// <summary>Our estimate of the agent's boots and time now (RFC 3414 section 2.3).</summary>
    public (int Boots, int Time) Now()
    {
        lock (_lock)
        {
            var elapsed = (long)Stopwatch.GetElapsedTime(_observedAt).TotalSeconds;
            return (_boots, (int)Math.Min(int.MaxValue, _time + elapsed));
        }
    }

    /// <summary>
    /// RFC 3414 section 3.2 step 7b: follow a later boot, or a later time than the latest received in this boot.
    /// A resynchronisation (discovery, a notInTimeWindows report) takes the agent's values as they are.
    /// </summary>
    public void Observe(UsmParameters usm, bool resynchronise = false)
    {
        lock (_lock)
        {
            if (resynchronise || usm.EngineBoots > _boots || (usm.EngineBoots == _boots && usm.EngineTime > _latestReceivedTime))
            {
                _boots = usm.EngineBoots;
                _time = usm.EngineTime;
                _latestReceivedTime = usm.EngineTime;
                _observedAt = Stopwatch.GetTimestamp();
            }
        }
    }
}
