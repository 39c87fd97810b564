package io.dmtd.api;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 over a plain socket, so tests can send what no HTTP client would: any request target, any header,
 * bodies that do not match their length. One request per connection unless the caller keeps the socket.
 */
final class RawHttp {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final int port;

    RawHttp(int port) {
        this.port = port;
    }

    /** A response as read off the wire; status 0 when the server closed without answering. */
    record Response(int status, Map<String, String> headers, String body) {

        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        /** {@code {"error":{"message":<non-empty string>,"type":<string>,"param":..,"code":..}}} */
        boolean isOpenAiError() {
            try {
                JsonNode error = JSON.readTree(body).get("error");
                return error != null && error.isObject() && error.path("message").isString()
                        && !error.path("message").stringValue().isEmpty() && error.path("type").isString()
                        && error.has("param") && error.has("code");
            } catch (RuntimeException e) {
                return false;
            }
        }

        @Override
        public String toString() {
            return status + " " + headers + " " + (body.length() > 300 ? body.substring(0, 300) + "..." : body);
        }
    }

    /** A request with {@code Connection: close} added, {@code Content-Length} from the body when it has one. */
    Response send(String method, String target, Map<String, String> headers, String body) {
        StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                .append("Host: localhost\r\nConnection: close\r\n");
        headers.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
        byte[] bytes = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (body != null && headers.keySet().stream().noneMatch(h -> h.equalsIgnoreCase("Content-Length"))) {
            head.append("Content-Length: ").append(bytes.length).append("\r\n");
        }
        head.append("\r\n");
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
        request.writeBytes(bytes);
        return exchange(request.toByteArray(), Duration.ofSeconds(10));
    }

    /**
     * Sends the bytes as they are, then reads the response until the server closes the connection. A server
     * that answers early (413 on a declared length) and closes with the body unread resets the connection: what
     * arrived before the reset is the response.
     */
    Response exchange(byte[] request, Duration timeout) {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        try (Socket socket = open(timeout)) {
            try {
                socket.getOutputStream().write(request);
                socket.getOutputStream().flush();
            } catch (IOException closedWhileSending) {
                // The answer may still be readable.
            }
            InputStream in = socket.getInputStream();
            byte[] chunk = new byte[8192];
            try {
                for (int n; (n = in.read(chunk)) >= 0; ) {
                    received.write(chunk, 0, n);
                }
            } catch (SocketTimeoutException e) {
                throw e;
            } catch (IOException reset) {
                if (received.size() == 0) {
                    throw reset;
                }
            }
            return parse(received.toByteArray());
        } catch (IOException e) {
            throw new IllegalStateException("no complete response to " + preview(request) + ": " + e, e);
        }
    }

    Socket open(Duration readTimeout) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout((int) readTimeout.toMillis());
        return socket;
    }

    /**
     * How long until the server closes a connection that is left as it is (-1 on EOF, or a reset), reading and
     * discarding whatever it sends; fails after {@code limit}.
     */
    static Duration timeToClose(Socket socket, Duration limit) throws IOException {
        long start = System.nanoTime();
        socket.setSoTimeout((int) limit.toMillis());
        InputStream in = socket.getInputStream();
        byte[] sink = new byte[4096];
        try {
            while (in.read(sink) >= 0) {
                if (System.nanoTime() - start > limit.toNanos()) {
                    throw new AssertionError("the connection was still open after " + limit);
                }
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the connection was still open after " + limit, e);
        } catch (IOException reset) {
            // A reset closes it too.
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    static Response parse(byte[] raw) {
        String text = new String(raw, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (text.startsWith("HTTP/1.1 1") && end > 0) {
            return parse(java.util.Arrays.copyOfRange(raw, end + 4, raw.length)); // 100 Continue: the answer follows
        }
        if (end < 0) {
            return new Response(0, Map.of(), text);
        }
        String[] lines = text.substring(0, end).split("\r\n");
        String[] statusLine = lines[0].split(" ", 3);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                        lines[i].substring(colon + 1).trim());
            }
        }
        byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = dechunk(body);
        }
        return new Response(Integer.parseInt(statusLine[1]), headers, new String(body, StandardCharsets.UTF_8));
    }

    private static byte[] dechunk(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int at = 0;
        while (at < body.length) {
            int lineEnd = indexOfCrlf(body, at);
            if (lineEnd < 0) {
                break;
            }
            String size = new String(body, at, lineEnd - at, StandardCharsets.US_ASCII).split(";")[0].trim();
            int length = Integer.parseInt(size, 16);
            if (length == 0) {
                break;
            }
            out.write(body, lineEnd + 2, Math.min(length, body.length - lineEnd - 2));
            at = lineEnd + 2 + length + 2;
        }
        return out.toByteArray();
    }

    private static int indexOfCrlf(byte[] bytes, int from) {
        for (int i = from; i + 1 < bytes.length; i++) {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static String preview(byte[] request) {
        String text = new String(request, StandardCharsets.ISO_8859_1);
        return text.length() > 200 ? text.substring(0, 200) + "..." : text;
    }
}
