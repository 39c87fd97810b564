package io.dmtd.text;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Python's str methods for templates ({@code content.startswith('x')}, {@code .split('</think>')[0]},
 * {@code .strip('\n')} ...). Jinjava would otherwise call Java's String methods, which are named differently
 * or behave differently (Java's split takes a regex and drops trailing empty parts; strip takes no argument).
 * It only answers method calls on strings and leaves everything else to Jinjava's own resolvers.
 */
final class PythonStringMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || method == null) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result = switch (method.toString()) {
            case "startswith" -> anyAffix(args, 0, prefix -> s.startsWith(prefix));
            case "endswith" -> anyAffix(args, 0, suffix -> s.endsWith(suffix));
            case "split" -> split(s, text(args, 0), count(args, 1));
            case "rsplit" -> rsplit(s, text(args, 0), count(args, 1));
            case "strip" -> rstrip(lstrip(s, text(args, 0)), text(args, 0));
            case "lstrip" -> lstrip(s, text(args, 0));
            case "rstrip" -> rstrip(s, text(args, 0));
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "capitalize" -> s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "title" -> title(s);
            case "replace" -> replace(s, text(args, 0), text(args, 1), count(args, 2));
            case "find" -> s.indexOf(text(args, 0));
            case "count" -> occurrences(s, text(args, 0));
            case "join" -> join(s, args.length > 0 ? args[0] : List.of());
            case "isdigit" -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            case "isspace" -> !s.isEmpty() && s.chars().allMatch(PythonStringMethods::isPythonWhitespace);
            default -> null;
        };
        if (result != null) {
            context.setPropertyResolved(true);
        }
        return result;
    }

    private interface AffixTest {
        boolean test(String affix);
    }

    /** Python accepts a tuple of affixes too. */
    private static Boolean anyAffix(Object[] args, int index, AffixTest test) {
        Object arg = args.length > index ? args[index] : null;
        if (arg instanceof Collection<?> options) {
            for (Object option : options) {
                if (test.test(String.valueOf(option))) {
                    return true;
                }
            }
            return false;
        }
        return test.test(String.valueOf(arg));
    }

    private static String text(Object[] args, int index) {
        return args.length > index && args[index] != null ? args[index].toString() : null;
    }

    private static int count(Object[] args, int index) {
        return args.length > index && args[index] instanceof Number n ? n.intValue() : -1;
    }

    static List<String> split(String s, String separator, int maxSplit) {
        List<String> parts = new ArrayList<>();
        if (separator == null) {
            return splitOnWhitespace(s, maxSplit);
        }
        if (separator.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        int start = 0;
        int found;
        while ((maxSplit < 0 || parts.size() < maxSplit) && (found = s.indexOf(separator, start)) >= 0) {
            parts.add(s.substring(start, found));
            start = found + separator.length();
        }
        parts.add(s.substring(start));
        return parts;
    }

    private static List<String> rsplit(String s, String separator, int maxSplit) {
        if (maxSplit < 0 || separator == null) {
            return split(s, separator, maxSplit);
        }
        List<String> parts = new ArrayList<>();
        int end = s.length();
        int found;
        while (parts.size() < maxSplit && (found = s.lastIndexOf(separator, end - separator.length())) >= 0) {
            parts.addFirst(s.substring(found + separator.length(), end));
            end = found;
        }
        parts.addFirst(s.substring(0, end));
        return parts;
    }

    private static List<String> splitOnWhitespace(String s, int maxSplit) {
        List<String> parts = new ArrayList<>();
        int i = 0;
        int n = s.length();
        while (true) {
            while (i < n && isPythonWhitespace(s.charAt(i))) {
                i++;
            }
            if (i == n) {
                return parts;
            }
            if (maxSplit >= 0 && parts.size() == maxSplit) {
                parts.add(rstrip(s.substring(i), null));
                return parts;
            }
            int start = i;
            while (i < n && !isPythonWhitespace(s.charAt(i))) {
                i++;
            }
            parts.add(s.substring(start, i));
        }
    }

    static String lstrip(String s, String chars) {
        int start = 0;
        while (start < s.length() && stripped(s.charAt(start), chars)) {
            start++;
        }
        return s.substring(start);
    }

    static String rstrip(String s, String chars) {
        int end = s.length();
        while (end > 0 && stripped(s.charAt(end - 1), chars)) {
            end--;
        }
        return s.substring(0, end);
    }

    private static boolean stripped(char c, String chars) {
        return chars == null ? isPythonWhitespace(c) : chars.indexOf(c) >= 0;
    }

    private static boolean isPythonWhitespace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || (c >= 0x1c && c <= 0x1f) || c == 0x85;
    }

    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean previousCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            out.append(previousCased ? Character.toLowerCase(c) : Character.toUpperCase(c));
            previousCased = Character.isLetter(c);
        }
        return out.toString();
    }

    private static String replace(String s, String target, String replacement, int maxCount) {
        if (target == null || replacement == null) {
            return s;
        }
        if (maxCount < 0) {
            return s.replace(target, replacement);
        }
        StringBuilder out = new StringBuilder();
        int start = 0;
        int found;
        for (int done = 0; done < maxCount && (found = s.indexOf(target, start)) >= 0; done++) {
            out.append(s, start, found).append(replacement);
            start = found + Math.max(1, target.length());
        }
        return out.append(s.substring(Math.min(start, s.length()))).toString();
    }

    private static int occurrences(String s, String target) {
        if (target == null || target.isEmpty()) {
            return s.length() + 1;
        }
        int count = 0;
        for (int i = s.indexOf(target); i >= 0; i = s.indexOf(target, i + target.length())) {
            count++;
        }
        return count;
    }

    private static String join(String separator, Object items) {
        List<String> parts = new ArrayList<>();
        if (items instanceof Iterable<?> iterable) {
            for (Object item : iterable) {
                parts.add(String.valueOf(item));
            }
        }
        return String.join(separator, parts);
    }

    // Property access is left to Jinjava.

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
