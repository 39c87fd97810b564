package io.dmtd.text;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;

/**
 * JSON text exactly as Python's {@code json.dumps(value, ensure_ascii=False)} writes it, which is what HF's
 * {@code tojson} produces: ", " and ": " separators, non-ASCII kept, Python float spelling. Prompts must match
 * what the model was trained on byte for byte, so Jackson's compact output will not do.
 */
final class PythonStyleJson {

    private PythonStyleJson() {
    }

    /** @param indent null for one line; otherwise spaces per level (Python then separates items with ","). */
    static String write(Object value, Integer indent) {
        StringBuilder out = new StringBuilder();
        write(value, indent, 0, out);
        return out.toString();
    }

    private static void write(Object value, Integer indent, int depth, StringBuilder out) {
        switch (value) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case CharSequence s -> writeString(s.toString(), out);
            case Character c -> writeString(c.toString(), out);
            case Integer _, Long _, Short _, Byte _, BigInteger _ -> out.append(value);
            case Number n -> out.append(pythonFloat(n));
            case Map<?, ?> map -> writeMap(map, indent, depth, out);
            case Iterable<?> items -> writeItems(items, indent, depth, out);
            default -> {
                if (value.getClass().isArray()) {
                    java.util.List<Object> items = new java.util.ArrayList<>();
                    for (int i = 0; i < Array.getLength(value); i++) {
                        items.add(Array.get(value, i));
                    }
                    writeItems(items, indent, depth, out);
                } else {
                    writeString(value.toString(), out);
                }
            }
        }
    }

    private static void writeMap(Map<?, ?> map, Integer indent, int depth, StringBuilder out) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        out.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            separate(first, indent, depth + 1, out);
            first = false;
            Object key = entry.getKey();
            writeString(key instanceof CharSequence ? key.toString() : write(key, null), out);
            out.append(": ");
            write(entry.getValue(), indent, depth + 1, out);
        }
        close(indent, depth, out);
        out.append('}');
    }

    private static void writeItems(Iterable<?> items, Integer indent, int depth, StringBuilder out) {
        if (!items.iterator().hasNext()) {
            out.append("[]");
            return;
        }
        out.append('[');
        boolean first = true;
        for (Object item : items) {
            separate(first, indent, depth + 1, out);
            first = false;
            write(item, indent, depth + 1, out);
        }
        close(indent, depth, out);
        out.append(']');
    }

    private static void separate(boolean first, Integer indent, int depth, StringBuilder out) {
        if (indent == null) {
            if (!first) {
                out.append(", ");
            }
            return;
        }
        if (!first) {
            out.append(',');
        }
        out.append('\n').append(" ".repeat(indent * depth));
    }

    private static void close(Integer indent, int depth, StringBuilder out) {
        if (indent != null) {
            out.append('\n').append(" ".repeat(indent * depth));
        }
    }

    private static void writeString(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Python's float repr: shortest round-trip digits, exponent form below 1e-4 or from 1e16. */
    private static String pythonFloat(Number n) {
        double d = n.doubleValue();
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal shortest = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exponent = shortest.precision() - shortest.scale() - 1; // position of the first digit
        if (exponent < -4 || exponent >= 16) {
            String digits = shortest.unscaledValue().abs().toString();
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+")
                    + String.format("%02d", Math.abs(exponent));
        }
        String plain = shortest.toPlainString();
        return plain.contains(".") ? plain : plain + ".0";
    }
}
