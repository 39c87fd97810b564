package io.dmtd.text;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class Jinja2SyntaxBridgeTest {

    @Test
    void rewritesReversedSlicesToTheReverseFilter() {
        assertThat(Jinja2SyntaxBridge.rewrite("{% for m in messages[::-1] %}{% endfor %}"))
                .isEqualTo("{% for m in messages|reverse %}{% endfor %}");
    }

    @Test
    void parenthesisesKeywordArgumentValues() {
        assertThat(Jinja2SyntaxBridge.rewrite("{%- set ns = namespace(a=true, b=messages|length - 1) %}"))
                .isEqualTo("{%- set ns = namespace(a=(true), b=(messages|length - 1)) %}");
        assertThat(Jinja2SyntaxBridge.rewrite("{{ x|tojson(indent=2) }}")).isEqualTo("{{ x|tojson(indent=(2)) }}");
    }

    @Test
    void leavesComparisonsStringsTextCommentsAndMacroSignaturesAlone() {
        String untouched = "text [::-1] f(a=1) {# f(a=1) [::-1] #}{{ 'f(a=1)[::-1]' }}{{ f(a == 1, b != 2) }}"
                + "{% macro m(x=1) %}{{ x }}{% endmacro %}{% raw %}{{ g(a=1) }}{% endraw %}";
        assertThat(Jinja2SyntaxBridge.rewrite(untouched)).isEqualTo(untouched);
    }

    @Test
    void stripsSpacesBeforeBlockTagsOnlyFromTheStartOfALineAsJinja2LstripBlocksDoes() {
        assertThat(Jinja2SyntaxBridge.rewrite("a  {% if x %}\n  \t{% endif %}\n    {{ y }}\n  {%+ if z %}{# c #}"))
                .isEqualTo("a  {% if x %}\n{% endif %}\n    {{ y }}\n  {%+ if z %}{# c #}");
        assertThat(Jinja2SyntaxBridge.rewrite("   {% if x %}")).isEqualTo("{% if x %}");
    }
}
