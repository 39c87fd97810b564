package io.dmtd;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** The DMTD server: an OpenAI-compatible API and a Spring AI chat model over the DMTD engine. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class DmtdServerApplication {

    public static void main(String[] args) {
        SpringApplication.run(DmtdServerApplication.class, args);
    }
}
