package io.dmtd.engine;

import java.util.List;

/**
 * Cuts generated text at the first stop string. Text that could still become a stop string is held back until the
 * next delta decides, so a stop string is never emitted, not even in part.
 */
final class StopStringMatcher {

    record Result(String text, boolean stopped) {
    }

    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();

    StopStringMatcher(List<String> stops) {
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    Result accept(String delta) {
        if (stops.isEmpty()) {
            return new Result(delta, false);
        }
        pending.append(delta);
        int cut = -1;
        for (String stop : stops) {
            int at = pending.indexOf(stop);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut >= 0) {
            String text = pending.substring(0, cut);
            pending.setLength(0);
            return new Result(text, true);
        }
        int hold = 0;
        for (String stop : stops) {
            for (int k = Math.min(stop.length() - 1, pending.length()); k > hold; k--) {
                if (pending.toString().regionMatches(pending.length() - k, stop, 0, k)) {
                    hold = k;
                    break;
                }
            }
        }
        String text = pending.substring(0, pending.length() - hold);
        pending.delete(0, pending.length() - hold);
        return new Result(text, false);
    }

    /** Text held back when the generation ends for another reason. */
    String flush() {
        String text = pending.toString();
        pending.setLength(0);
        return text;
    }
}
