using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Scalekit.Webhooks.Testing;

/// <summary>
/// A private Azurite (from the repository's node_modules) on free loopback ports, with its data in a temporary folder,
/// so it can be stopped and started again with its data intact.
/// </summary>
public sealed class Azurite : IAsyncDisposable
{
    // Azurite's well-known development account key (public, documented by Microsoft; not a secret).
    private const string DevelopmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly string _location = Directory.CreateTempSubdirectory("skfn-azurite-").FullName;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _errors = new();
    private int _blobPort = LoopbackPort.Free();
    private int _queuePort = LoopbackPort.Free();
    private int _tablePort = LoopbackPort.Free();
    private Process? _process;
    private int _closedServices;
    private bool _hasListened;

    public string ConnectionString =>
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" + DevelopmentKey +
        $";BlobEndpoint=http://127.0.0.1:{_blobPort}/devstoreaccount1" +
        $";QueueEndpoint=http://127.0.0.1:{_queuePort}/devstoreaccount1" +
        $";TableEndpoint=http://127.0.0.1:{_tablePort}/devstoreaccount1";

    /// <summary>
    /// Processor time the running Azurite process has used so far (on Linux, utime + stime from <c>/proc/&lt;pid&gt;/stat</c>);
    /// two readings around a run give its CPU share. Azurite handles requests on Node's one thread, so 100 % of one core
    /// is its ceiling.
    /// </summary>
    public TimeSpan ProcessorTime => _process is { HasExited: false } process
        ? process.TotalProcessorTime
        : throw new InvalidOperationException("Azurite is not running.");

    /// <summary>
    /// Time Azurite's main thread, where Node runs JavaScript and so every request, has spent on a core and waiting in
    /// the run queue for one (from <c>/proc/&lt;pid&gt;/task/&lt;pid&gt;/schedstat</c>); null where the kernel does not
    /// expose it. Running plus waiting near the whole of a period means requests never stopped queueing at Azurite.
    /// </summary>
    public MainThreadTimes? MainThread
    {
        get
        {
            var pid = _process is { HasExited: false } process ? process.Id : throw new InvalidOperationException("Azurite is not running.");
            var path = $"/proc/{pid}/task/{pid}/schedstat";
            if (!File.Exists(path))
            {
                return null;
            }

            // "<ns on a core> <ns waiting in the run queue> <time slices>"
            var fields = File.ReadAllText(path).Split(' ', StringSplitOptions.RemoveEmptyEntries);
            static TimeSpan Nanoseconds(string text) => TimeSpan.FromTicks(long.Parse(text, System.Globalization.CultureInfo.InvariantCulture) / 100);
            return new MainThreadTimes(Nanoseconds(fields[0]), Nanoseconds(fields[1]));
        }
    }

    /// <summary>The CPUs Azurite may run on (a <c>taskset</c> list such as <c>0</c>), or null for any.</summary>
    public string? Cores { get; init; }

    public static async Task<Azurite> StartNewAsync(string? cores = null)
    {
        var azurite = new Azurite { Cores = cores };
        await azurite.StartAsync();
        return azurite;
    }

    /// <summary>An Azurite that will first try the given ports, as if another process had taken them meanwhile.</summary>
    public static Azurite OnPorts(int blobPort, int queuePort, int tablePort)
    {
        var azurite = new Azurite();
        (azurite._blobPort, azurite._queuePort, azurite._tablePort) = (blobPort, queuePort, tablePort);
        return azurite;
    }

    /// <summary>
    /// Starts Azurite and waits until it listens. A first start that fails (another process took a port between picking
    /// and binding it) tries again on new ports; a restart keeps its ports, since clients already hold its connection
    /// string, and tries them again.
    /// </summary>
    public async Task StartAsync()
    {
        const int Attempts = 3;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await StartOnceAsync();
                _hasListened = true;
                return;
            }
            catch (AzuriteExitedException) when (attempt < Attempts)
            {
                if (!_hasListened)
                {
                    (_blobPort, _queuePort, _tablePort) = (LoopbackPort.Free(), LoopbackPort.Free(), LoopbackPort.Free());
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500 * attempt));
            }
        }
    }

    private async Task StartOnceAsync()
    {
        var script = System.IO.Path.Combine(RepositoryRoot.Path, "node_modules", "azurite", "dist", "src", "azurite.js");
        if (!File.Exists(script))
        {
            throw new InvalidOperationException("Azurite is not installed: run 'npm ci' in the repository root (./test.sh does).");
        }

        // Pinned, Azurite runs through taskset (Linux), which starts node in its own place with the CPU list set.
        var start = new ProcessStartInfo(Cores is null ? "node" : "taskset")
        {
            ArgumentList =
            {
                script, "--skipApiVersionCheck", "--loose", "--disableProductStyleUrl",
                "--location", _location,
                "--blobHost", "127.0.0.1", "--blobPort", _blobPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--queueHost", "127.0.0.1", "--queuePort", _queuePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--tableHost", "127.0.0.1", "--tablePort", _tablePort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (Cores is not null)
        {
            start.ArgumentList.Insert(0, "node");
            start.ArgumentList.Insert(0, Cores);
            start.ArgumentList.Insert(0, "-c");
        }

        _closedServices = 0;
        _process = Process.Start(start) ?? throw new InvalidOperationException("Could not start node for Azurite.");
        _process.OutputDataReceived += (_, line) =>
        {
            if (line.Data?.Contains("successfully closed", StringComparison.Ordinal) == true)
            {
                Interlocked.Increment(ref _closedServices);
            }
        };
        _errors.Clear();
        _process.ErrorDataReceived += (_, line) =>
        {
            if (!string.IsNullOrWhiteSpace(line.Data) && _errors.Count < 20)
            {
                _errors.Enqueue(line.Data);
            }
        };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        // A readiness wait, not a speed claim: Node can take long to start on a loaded machine.
        foreach (var port in new[] { _blobPort, _queuePort, _tablePort })
        {
            await WaitForPortAsync(port, TimeSpan.FromSeconds(120));
        }
    }

    /// <summary>Stops Azurite the way Ctrl+C does, so it writes its data out, then ends the process.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            using (var term = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }

            // Azurite closes its three services on SIGTERM but its process may linger afterwards.
            var waited = Stopwatch.StartNew();
            while (Volatile.Read(ref _closedServices) < 3 && !process.HasExited && waited.Elapsed < TimeSpan.FromSeconds(10))
            {
                await Task.Delay(50);
            }

            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(_location, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: it is a temporary folder.
        }
    }

    private async Task WaitForPortAsync(int port, TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process is { HasExited: true } exited)
            {
                await exited.WaitForExitAsync();
                var exitCode = exited.ExitCode;
                exited.Dispose();
                _process = null;
                throw new AzuriteExitedException(
                    $"Azurite exited with code {exitCode} while starting on ports {_blobPort}, {_queuePort} and {_tablePort}: " +
                    string.Join(" | ", _errors));
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100);
            }
        }

        throw new TimeoutException($"Azurite did not listen on port {port} within {timeout.TotalSeconds} s.");
    }
}

/// <summary>Azurite's process ended before it listened on all three ports.</summary>
public sealed class AzuriteExitedException(string message) : InvalidOperationException(message);

/// <summary>How long a thread has run on a core and waited in the run queue for one, since it started.</summary>
public readonly record struct MainThreadTimes(TimeSpan Running, TimeSpan Waiting);
