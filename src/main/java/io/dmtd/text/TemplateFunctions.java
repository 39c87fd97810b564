package io.dmtd.text;

import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Global functions that HF templates call (transformers defines them for its Jinja environment). */
final class TemplateFunctions {

    private TemplateFunctions() {
    }

    /** Thrown by {@code raise_exception}: the template refused the conversation. */
    static final class TemplateRaisedException extends RuntimeException {
        TemplateRaisedException(String message) {
            super(message);
        }
    }

    public static String raiseException(Object message) {
        throw new TemplateRaisedException(String.valueOf(message));
    }

    /** Python's {@code datetime.now().strftime(format)} for the common directives (Llama 3 templates use it). */
    public static String strftimeNow(String format) {
        LocalDateTime now = LocalDateTime.now();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char directive = format.charAt(++i);
            String pattern = switch (directive) {
                case 'd' -> "dd";
                case 'm' -> "MM";
                case 'Y' -> "yyyy";
                case 'y' -> "yy";
                case 'H' -> "HH";
                case 'I' -> "hh";
                case 'M' -> "mm";
                case 'S' -> "ss";
                case 'p' -> "a";
                case 'b' -> "MMM";
                case 'B' -> "MMMM";
                case 'a' -> "EEE";
                case 'A' -> "EEEE";
                case 'j' -> "DDD";
                default -> null;
            };
            if (pattern == null) {
                out.append(directive == '%' ? "%" : "%" + directive);
            } else {
                out.append(DateTimeFormatter.ofPattern(pattern, Locale.ENGLISH).format(now));
            }
        }
        return out.toString();
    }
}
