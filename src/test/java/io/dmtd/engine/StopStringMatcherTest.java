package io.dmtd.engine;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StopStringMatcherTest {

    @Test
    void holdsBackAPossibleStopAndCutsAtTheFirstMatch() {
        StopStringMatcher m = new StopStringMatcher(List.of("END", "xyz"));
        assertThat(m.accept("hello E")).isEqualTo(new StopStringMatcher.Result("hello ", false));
        assertThat(m.accept("N")).isEqualTo(new StopStringMatcher.Result("", false));
        assertThat(m.accept("X more")).isEqualTo(new StopStringMatcher.Result("ENX more", false));
        assertThat(m.accept(" tail xyEND")).isEqualTo(new StopStringMatcher.Result(" tail xy", true));
    }

    @Test
    void splitAcrossManyDeltas() {
        StopStringMatcher m = new StopStringMatcher(List.of("</answer>"));
        StringBuilder out = new StringBuilder();
        boolean stopped = false;
        for (char c : "42</answer>ignored".toCharArray()) {
            StopStringMatcher.Result r = m.accept(String.valueOf(c));
            out.append(r.text());
            if (r.stopped()) {
                stopped = true;
                break;
            }
        }
        assertThat(stopped).isTrue();
        assertThat(out).hasToString("42");
    }

    @Test
    void flushReturnsHeldText() {
        StopStringMatcher m = new StopStringMatcher(List.of("STOP"));
        assertThat(m.accept("abc ST").text()).isEqualTo("abc ");
        assertThat(m.flush()).isEqualTo("ST");
        assertThat(new StopStringMatcher(List.of()).accept("any").text()).isEqualTo("any");
    }
}
