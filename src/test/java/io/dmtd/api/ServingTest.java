package io.dmtd.api;

import io.dmtd.DmtdServerApplication;
import io.dmtd.ai.ScriptedEngine;
import io.dmtd.ai.Utf8PromptEncoder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.webtestclient.autoconfigure.AutoConfigureWebTestClient;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The whole server on a random port over the scripted TEST DOUBLE engine. Every class using it shares one
 * cached Spring context, so keep the configuration here.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@SpringBootTest(classes = DmtdServerApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "dmtd.api.api-keys=" + ServingTest.KEY + ",second-key",
                "dmtd.api.max-body-size=64KB",
                "dmtd.resilience.admission.max-concurrent=4",
                "dmtd.resilience.first-token-timeout=2s",
                "dmtd.resilience.request-timeout=20s",
                "dmtd.resilience.circuit-breaker.minimum-number-of-calls=4",
                "dmtd.resilience.circuit-breaker.sliding-window-size=4",
                "dmtd.resilience.circuit-breaker.wait-duration-in-open-state=1s",
                "dmtd.resilience.circuit-breaker.permitted-calls-in-half-open-state=1",
                "dmtd.health.poll-interval=200ms"})
@Import(ServingTest.ScriptedDoubles.class)
@AutoConfigureWebTestClient(timeout = "30s")
public @interface ServingTest {

    String KEY = "test-key-0123456789";

    @TestConfiguration(proxyBeanMethods = false)
    class ScriptedDoubles {
        @Bean
        ScriptedEngine scriptedEngine() {
            return new ScriptedEngine();
        }

        @Bean
        Utf8PromptEncoder utf8PromptEncoder() {
            return new Utf8PromptEncoder();
        }
    }
}
