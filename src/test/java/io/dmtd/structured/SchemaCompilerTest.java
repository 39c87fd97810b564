package io.dmtd.structured;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.json.JsonMapper;

import static io.dmtd.structured.GrammarTesting.accepts;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchemaCompilerTest {

    private final SchemaCompiler compiler = new SchemaCompiler(JsonMapper.shared());

    private Grammar schema(String json) {
        return compiler.compile(json.replace('\'', '"'));
    }

    @Test
    void objectsFollowPropertiesRequiredAndAdditionalProperties() {
        Grammar g = schema("{'type':'object','properties':{'a':{'type':'integer'},'b':{'type':'string'}},"
                + "'required':['a'],'additionalProperties':false}");
        assertThat(accepts(g, "{\"a\":1}")).isTrue();
        assertThat(accepts(g, "{ \"a\" : -12 , \"b\" : \"x\" }")).isTrue();
        assertThat(accepts(g, "{\"b\":\"x\"}")).as("a is required").isFalse();
        assertThat(accepts(g, "{\"a\":1,\"c\":2}")).as("no additional properties").isFalse();
        assertThat(accepts(g, "{\"a\":1.5}")).isFalse();
        assertThat(accepts(g, "{\"a\":01}")).isFalse();
        assertThat(accepts(g, "{\"a\":1")).as("incomplete").isFalse();
    }

    @Test
    void additionalPropertiesSchemaNeverTakesADeclaredName() {
        Grammar g = schema("{'properties':{'id':{'type':'string'}},'additionalProperties':{'type':'integer'}}");
        assertThat(accepts(g, "{\"id\":\"x\",\"n\":3,\"idx\":4,\"i\":5}")).isTrue();
        assertThat(accepts(g, "{\"id\":\"x\",\"id\":3}")).isFalse();
        assertThat(accepts(g, "{\"n\":\"text\"}")).isFalse();
    }

    @Test
    void whitespaceIsBounded() {
        Grammar g = schema("{'type':'array','items':{'type':'boolean'}}");
        assertThat(accepts(g, "[" + " ".repeat(JsonLexicon.MAX_WHITESPACE) + "true]")).isTrue();
        assertThat(accepts(g, "[" + " ".repeat(3 * JsonLexicon.MAX_WHITESPACE + 1) + "true]")).isFalse();
    }

    @Test
    void arraysCountPrefixItemsAndItems() {
        Grammar g = schema("{'type':'array','prefixItems':[{'const':'x'},{'type':'null'}],'items':{'type':'integer'},"
                + "'minItems':1,'maxItems':3}");
        assertThat(accepts(g, "[\"x\"]")).isTrue();
        assertThat(accepts(g, "[\"x\",null,7]")).isTrue();
        assertThat(accepts(g, "[\"x\",null,7,8]")).isFalse();
        assertThat(accepts(g, "[]")).isFalse();
        assertThat(accepts(g, "[null]")).isFalse();
    }

    @Test
    void stringLengthsCountCharactersNotBytes() {
        Grammar g = schema("{'type':'string','minLength':2,'maxLength':3}");
        assertThat(accepts(g, "\"ab\"")).isTrue();
        assertThat(accepts(g, "\"\u00e9\u20ac\ud83d\ude00\"")).as("three characters, nine bytes").isTrue();
        assertThat(accepts(g, "\"\\u00e9\\n\"")).isTrue();
        assertThat(accepts(g, "\"a\"")).isFalse();
        assertThat(accepts(g, "\"abcd\"")).isFalse();
        assertThat(accepts(g, "\"\\ud800x\"")).as("lone surrogate escape").isFalse();
    }

    @Test
    void integerBoundsAreExact() {
        Grammar g = schema("{'type':'integer','minimum':-15,'exclusiveMaximum':120}");
        for (int i = -30; i <= 200; i++) {
            assertThat(accepts(g, Integer.toString(i))).as("%d", i).isEqualTo(i >= -15 && i < 120);
        }
        assertThat(accepts(g, "-0")).isFalse();
        assertThat(accepts(g, "007")).isFalse();
    }

    @Test
    void enumsConstsAnyOfAndRefs() {
        Grammar g = schema("{'$defs':{'leaf':{'enum':['a',1,null,{'k':[true]}]}},'anyOf':[{'$ref':'#/$defs/leaf'},"
                + "{'type':'array','items':{'$ref':'#'}}]}");
        assertThat(accepts(g, "\"a\"")).isTrue();
        assertThat(accepts(g, "[[1,null],{\"k\":[true]}]")).isTrue();
        assertThat(accepts(g, "\"b\"")).isFalse();
        assertThat(accepts(g, "2")).isFalse();
    }

    @Test
    void formatsAndPatterns() {
        assertThat(accepts(schema("{'type':'string','format':'date'}"), "\"2024-02-28\"")).isTrue();
        assertThat(accepts(schema("{'type':'string','format':'date'}"), "\"2024-02-30\"")).isFalse();
        assertThat(accepts(schema("{'type':'string','format':'uuid'}"),
                "\"123e4567-e89b-12d3-a456-426614174000\"")).isTrue();
        Grammar pattern = schema("{'type':'string','pattern':'^[A-Z]{2}-\\\\d+(\\\\.\\\\d)?$'}");
        assertThat(accepts(pattern, "\"AB-12.5\"")).isTrue();
        assertThat(accepts(pattern, "\"AB-12.\"")).isFalse();
        Grammar unanchored = compiler.compile("{\"type\":\"string\",\"pattern\":\"q\\\"\"}");
        assertThat(accepts(unanchored, "\"xxq\\\"yy\"")).as("unanchored, quote escaped").isTrue();
    }

    @Test
    void jsonObjectIsAnyObject() {
        Grammar g = compiler.jsonObject();
        assertThat(accepts(g, "{\"a\":[1,2.5e3,{\"b\":null}],\"c\":\"\\u0041\"}")).isTrue();
        assertThat(accepts(g, "[1]")).isFalse();
        assertThat(accepts(g, "{\"a\":}")).isFalse();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{'type':'object','minProperties':1}|minProperties|#",
            "{'properties':{'a':{'type':'string','contentEncoding':'base64'}}}|contentEncoding|#/properties/a",
            "{'type':'number','minimum':0}|minimum|#",
            "{'type':'integer','multipleOf':2}|multipleOf|#",
            "{'type':'string','format':'ipv4'}|format|#",
            "{'type':'string','pattern':'(a)\\\\1'}|pattern|#",
            "{'type':'string','pattern':'(?=a)b'}|pattern|#",
            "{'type':'string','pattern':'^a$b'}|pattern|#",
            "{'type':'string','pattern':'x','maxLength':3}|maxLength|#",
            "{'items':{'$ref':'https://example.com/s.json'}}|$ref|#/items",
            "{'$ref':'#/$defs/missing'}|$ref|#",
            "{'$ref':'#'}|$ref|#",
            "{'oneOf':[{'type':'object'},{'type':'object','required':['a']}]}|oneOf|#",
            "{'anyOf':[{'type':'string'}],'type':'string'}|type|#",
            "{'not':{'type':'string'}}|not|#",
            "{'allOf':[{'type':'string'}]}|allOf|#",
            "{'type':'array','maxItems':100000}|maxItems|#",
            "{'type':'array','minItems':3,'maxItems':2}|minItems|#",
            "{'type':'object','required':['x'],'additionalProperties':false}|required|#",
            "{'type':'object','patternProperties':{'a':{}}}|patternProperties|#",
            "{'type':'uuid'}|type|#",
            "{'enum':[1,2],'type':'string'}|enum|#",
            "{'properties':{'a':{'if':{}}}}|if|#/properties/a"})
    void unsupportedKeywordsAreNamedWithTheirPointer(String schema, String keyword, String pointer) {
        assertThatThrownBy(() -> schema(schema))
                .isInstanceOfSatisfying(UnsupportedSchemaException.class, e -> {
                    assertThat(e.keyword()).isEqualTo(keyword);
                    assertThat("#" + e.pointer()).isEqualTo(pointer);
                    assertThat(e.getMessage()).contains("'" + keyword + "'").contains(pointer);
                });
    }

    @Test
    void invalidJsonIsRefused() {
        assertThatThrownBy(() -> compiler.compile("{type"))
                .isInstanceOf(UnsupportedSchemaException.class).hasMessageContaining("not valid JSON");
    }
}
