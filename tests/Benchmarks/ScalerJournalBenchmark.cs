using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using MassTransit;
using PretixOps.Contracts;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace PretixOps.Benchmarks;

/// <summary>
/// What repeats cost the journal: one alert delivered a million times with the same id (Alertmanager repeating a firing
/// alert, or redeliveries), through MassTransit to a Scaler whose rule matches it. Repeats are counted, not journaled,
/// so the journal should hold what one delivery leaves (the floor, a Scaler that took the alert once) and a Scaler
/// should start on it as fast as on an empty journal (the floor for the start time). Also the publish rate and the
/// Scaler's consumption rate.
/// </summary>
internal static class ScalerJournalBenchmark
{
    private const int Starts = 3;

    /// <summary>Long enough for a full reconcile after the step up, so that the floor's journal holds what it settles to.</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(6);

    /// <summary>A run that makes no progress for this long has stopped, and says so.</summary>
    private static readonly TimeSpan Stall = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(string[] args)
    {
        var repeats = RegistrationBenchmark.Option(args, "--repeats", 1_000_000);
        var inFlight = RegistrationBenchmark.Option(args, "--in-flight", 64);
        using var docker = ScalerRig.Docker();
        await using var broker = await BenchBroker.CreateAsync();
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var (floorService, service) = ($"benchonce{suffix}", $"benchrepeat{suffix}");
        var (floorJournal, journal) = (BenchBroker.NewJournal(), BenchBroker.NewJournal());
        var journals = new List<string> { floorJournal, journal };
        var created = new List<string>();
        try
        {
            created.Add(await ScalerRig.CreateUnplaceableAsync(docker, floorService, replicas: 1));
            created.Add(await ScalerRig.CreateUnplaceableAsync(docker, service, replicas: 1));
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using var bus = ScalerRig.Bus(broker, service);
            await bus.StartAsync();
            var publish = bus.Services.GetRequiredService<IBus>();

            // The floor: the same alert delivered once, to a Scaler of its own on a service of its own.
            var once = await Machine.StartServiceAsync("Scaler", Settings(broker, floorJournal, floorService));
            try
            {
                await publish.Publish(Alert(floorService));
                await ScalerRig.WaitAsync(async () => await ScalerRig.ReplicasAsync(docker, floorService) == 2, "the floor's Scaler did not scale up on the alert");
                await Task.Delay(Settle);
            }
            finally
            {
                Machine.Stop(once.Process);
            }

            var scaler = await Machine.StartServiceAsync("Scaler", Settings(broker, journal, service));
            TimeSpan published;
            TimeSpan consumed;
            uint peak;
            try
            {
                (published, consumed, peak) = await RepeatAsync(publish, broker, http, scaler.Address, Alert(service), repeats, inFlight);
                await ScalerRig.WaitAsync(async () => await broker.MessagesAsync(QueueNames.Scaler) == 0,
                    "the management API never showed the scaler queue empty");
            }
            finally
            {
                Machine.Stop(scaler.Process);
            }

            var size = await ReadJournalAsync(broker, journal);
            var floorSize = await ReadJournalAsync(broker, floorJournal);
            var managementCount = await broker.MessagesAsync(journal);

            // Alternately, so that the machine's noise falls on both alike.
            var (starts, floorStarts) = (new List<double>(), new List<double>());
            for (var i = 0; i < Starts; i++)
            {
                var empty = BenchBroker.NewJournal();
                journals.Add(empty);
                floorStarts.Add(await StartTimeAsync(Settings(broker, empty, service)));
                starts.Add(await StartTimeAsync(Settings(broker, journal, service)));
            }

            await bus.StopAsync();
            var report = new StringBuilder();
            report.AppendLine(CultureInfo.InvariantCulture, $"## Scaler: journal under {repeats:N0} repeat deliveries of one alert");
            report.AppendLine();
            report.AppendLine("| measure | figure |");
            report.AppendLine("| --- | ---: |");
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| AlertFired published per second ({inFlight} in flight, publisher confirms) | {repeats / published.TotalSeconds:N0} |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| AlertFired taken in per second by the Scaler (from the first publish to the last taken in) | {repeats / consumed.TotalSeconds:N0} |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| deepest the `scaler` queue was seen (messages ready) | {peak:N0} |");
            report.AppendLine();
            report.AppendLine(CultureInfo.InvariantCulture, $"| measure | after {repeats:N0} deliveries | after 1 delivery (floor) | ratio |");
            report.AppendLine("| --- | ---: | ---: | ---: |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| journal entries | {size.Entries:N0} | {floorSize.Entries:N0} | {(double)size.Entries / floorSize.Entries:N2}x |");
            report.AppendLine(CultureInfo.InvariantCulture, $"| journal size (bytes) | {size.Bytes:N0} | {floorSize.Bytes:N0} | {(double)size.Bytes / floorSize.Bytes:N2}x |");
            report.AppendLine();
            var (start, floorStart) = (RegistrationBenchmark.Median(starts), RegistrationBenchmark.Median(floorStarts));
            report.AppendLine(CultureInfo.InvariantCulture, $"| measure | on the journal of {repeats:N0} deliveries | on an empty journal (floor) | ratio |");
            report.AppendLine("| --- | ---: | ---: | ---: |");
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| Scaler start to /healthz/ready (ms), median of {Starts} | {start:N0} | {floorStart:N0} | {start / floorStart:N2}x |");
            report.AppendLine();
            report.AppendLine(CultureInfo.InvariantCulture,
                $"- the journal read back from offset \"first\" over AMQP; the management API counts {managementCount?.ToString("N0", CultureInfo.InvariantCulture) ?? "nothing"} messages in it.");
            report.AppendLine(CultureInfo.InvariantCulture, $"- entries by type, after {repeats:N0} deliveries: {size.Describe()}; after 1: {floorSize.Describe()}.");
            if (size.Types.GetValueOrDefault("alertFiring") > 1)
            {
                report.AppendLine("- more than one alertFiring for one alert id: deliveries taken in at once (the Scaler consumes several " +
                    "concurrently) before the first one's entry came back from the stream each found no episode, and each wrote one.");
            }
            report.AppendLine(CultureInfo.InvariantCulture,
                $"- publishing took {published.TotalSeconds:N1} s, taking all in {consumed.TotalSeconds:N1} s; the Scaler ran alongside, with its default prefetch and concurrency.");
            report.AppendLine(CultureInfo.InvariantCulture,
                $"- start times (ms), ours: {string.Join(", ", starts.Select(s => s.ToString("N0", CultureInfo.InvariantCulture)))}; " +
                $"on an empty journal: {string.Join(", ", floorStarts.Select(s => s.ToString("N0", CultureInfo.InvariantCulture)))}. Ready needs the journal read to the Scaler's own first entry, Docker and the bus.");
            await ScalerRig.WriteReportAsync("scaler-journal", report.ToString());
            return 0;
        }
        finally
        {
            foreach (var id in created)
            {
                await docker.Swarm.RemoveServiceAsync(id);
            }

            foreach (var name in journals)
            {
                await broker.DeleteQueueAsync(name);
            }
        }
    }

    private static Dictionary<string, string> Settings(BenchBroker broker, string journal, string service)
    {
        var settings = ScalerRig.Settings(broker, journal);
        settings[$"Scaler__Services__{service}__Min"] = "1";
        settings[$"Scaler__Services__{service}__Max"] = "2";
        settings[$"Scaler__Services__{service}__CooldownUp"] = "00:00:00";
        settings["Scaler__Rules__0__Name"] = "bench";
        settings["Scaler__Rules__0__Labels__service"] = service;
        settings["Scaler__Rules__0__Service"] = service;
        return settings;
    }

    /// <summary>One firing alert as AlertIngest publishes it; every repeat has its id (the fingerprint and the start).</summary>
    private static AlertFired Alert(string service)
    {
        var labels = new Dictionary<string, string> { ["alertname"] = "BenchRepeated", ["service"] = service };
        var startsAt = DateTimeOffset.UtcNow.AddMinutes(-1);
        return new AlertFired($"alertmanager:{service}:{startsAt:O}", AlertSource.Alertmanager, "BenchRepeated", service, labels,
            new Dictionary<string, string>(), startsAt, null, null, DateTimeOffset.UtcNow);
    }

    /// <summary>
    /// Publishes the alert N times, <paramref name="inFlight"/> at a time, and waits until the Scaler has taken every one
    /// in (its own count of alert signals). Returns how long publishing took, how long until the last was taken in,
    /// and the deepest the queue was seen.
    /// </summary>
    private static async Task<(TimeSpan Published, TimeSpan Consumed, uint Peak)> RepeatAsync(
        IBus publish, BenchBroker broker, HttpClient http, Uri scaler, AlertFired alert, int repeats, int inFlight)
    {
        await using var connection = await Factory(broker).CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        uint peak = 0;
        var next = 0;
        var clock = Stopwatch.StartNew();
        var publishing = Task.WhenAll(Enumerable.Range(0, inFlight).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= repeats)
            {
                await publish.Publish(alert);
            }
        }));
        TimeSpan? published = null;
        var taken = 0.0;
        var progress = Stopwatch.StartNew();
        while (taken < repeats)
        {
            await Task.Delay(100);
            if (published is null && publishing.IsCompleted)
            {
                await publishing;
                published = clock.Elapsed;
            }

            // A passive declare answers the depth at once; the management API's figures are a few seconds old.
            peak = Math.Max(peak, (await channel.QueueDeclarePassiveAsync(QueueNames.Scaler)).MessageCount);
            var now = await ScalerRig.MetricAsync(http, scaler, "pretixops_scaler_signals_total", "kind=\"alert_fired\"");
            if (now > taken)
            {
                progress.Restart();
            }
            else if (progress.Elapsed > Stall)
            {
                throw new TimeoutException($"the Scaler took in {now:N0} of {repeats:N0} and nothing more for {Stall.TotalSeconds:N0} s");
            }

            taken = now;
        }

        var consumed = clock.Elapsed;
        await publishing;
        return (published ?? consumed, consumed, peak);
    }

    /// <summary>
    /// The journal read as a fresh replica reads it: a stream consumer from offset "first", with a prefetch and manual
    /// acks (a stream requires both), counting entries and body bytes until nothing more comes.
    /// </summary>
    private static async Task<JournalSize> ReadJournalAsync(BenchBroker broker, string journal)
    {
        await using var connection = await Factory(broker).CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, 1000, false);
        long entries = 0;
        long bytes = 0;
        var types = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var last = Stopwatch.GetTimestamp();
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            Interlocked.Increment(ref entries);
            Interlocked.Add(ref bytes, delivery.Body.Length);
            using (var entry = JsonDocument.Parse(delivery.Body))
            {
                types.AddOrUpdate(entry.RootElement.TryGetProperty("type", out var type) ? type.GetString() ?? "?" : "?", 1, (_, n) => n + 1);
            }

            Interlocked.Exchange(ref last, Stopwatch.GetTimestamp());
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
        };
        var tag = await channel.BasicConsumeAsync(journal, autoAck: false, consumerTag: "", noLocal: false, exclusive: false,
            new Dictionary<string, object?> { ["x-stream-offset"] = "first" }, consumer);
        // AMQP does not say where a stream ends: it has ended when a second passes without a delivery.
        while (Stopwatch.GetElapsedTime(Interlocked.Read(ref last)) < TimeSpan.FromSeconds(1))
        {
            await Task.Delay(100);
        }

        await channel.BasicCancelAsync(tag);
        return new JournalSize(Interlocked.Read(ref entries), Interlocked.Read(ref bytes), types);
    }

    private sealed record JournalSize(long Entries, long Bytes, IReadOnlyDictionary<string, int> Types)
    {
        public string Describe() => string.Join(", ", Types.OrderByDescending(t => t.Value).ThenBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Key} {t.Value}")));
    }

    private static async Task<double> StartTimeAsync(Dictionary<string, string> settings)
    {
        var clock = Stopwatch.StartNew();
        var scaler = await Machine.StartServiceAsync("Scaler", settings);
        var elapsed = clock.Elapsed.TotalMilliseconds;
        Machine.Stop(scaler.Process);
        return elapsed;
    }

    private static ConnectionFactory Factory(BenchBroker broker) => new()
    {
        HostName = Machine.Infra["PRETIXOPS_RABBITMQ_HOST"],
        Port = int.Parse(Machine.Infra["PRETIXOPS_RABBITMQ_PORT"], CultureInfo.InvariantCulture),
        UserName = Machine.Infra["PRETIXOPS_RABBITMQ_USER"],
        Password = File.ReadAllText(Machine.Infra["PRETIXOPS_RABBITMQ_PASSWORD_FILE"]).Trim(),
        VirtualHost = broker.VirtualHost,
    };
}
