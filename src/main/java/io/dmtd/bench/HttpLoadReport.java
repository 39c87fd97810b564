package io.dmtd.bench;

import java.util.List;

/**
 * The result of a {@code bench-http} run.
 *
 * @param url                  the endpoint
 * @param clients              concurrent clients
 * @param requests             requests planned
 * @param completed            streams that ended with [DONE]
 * @param overloaded           answered 429 (the server's admission control), not retried
 * @param errors               any other failure: status, broken stream, error event, I/O
 * @param cutAtDeadline        streams still open when the run's deadline came
 * @param notSent              requests never sent because the deadline came first
 * @param completionTokens     tokens of the completed streams (usage.completion_tokens, else content chunks)
 * @param wallSeconds          from the first request to the last answer
 * @param tokensPerSecond      completionTokens / wallSeconds: aggregate throughput
 * @param timeToFirstToken     request sent to first content chunk, completed streams
 * @param interTokenLatency    gaps between consecutive content chunks, completed streams
 * @param firstErrors          up to a few error messages, to say what went wrong
 * @param machine              the client machine (the server shares it: loopback only)
 * @param loadAfter            load average after the run
 */
public record HttpLoadReport(String url, int clients, int requests, int completed, int overloaded, int errors,
                             int cutAtDeadline, int notSent, long completionTokens, double wallSeconds,
                             double tokensPerSecond, LatencySummary timeToFirstToken,
                             LatencySummary interTokenLatency, List<String> firstErrors, MachineInfo machine,
                             String loadAfter) {

    public HttpLoadReport {
        firstErrors = List.copyOf(firstErrors);
    }
}
