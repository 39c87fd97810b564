package io.dmtd.ai;

import io.dmtd.engine.DmtdEngine;
import io.dmtd.engine.OrtDmtdEngine;
import io.dmtd.model.ManifestReader;
import io.dmtd.model.ModelLocator;
import io.dmtd.model.ModelManifest;
import io.dmtd.text.ChatTemplate;
import io.dmtd.text.Tokenizer;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The model folder, tokenizer, chat template and DMTD engine as beans, from {@link DmtdProperties}. Each bean backs
 * off when the application defines its own (tests use that to put a scripted engine in place). Like the chat model,
 * active with {@code spring.ai.model.chat=dmtd} or without that property: an application that picks another provider
 * loads no model.
 */
@AutoConfiguration(before = DmtdChatAutoConfiguration.class)
@ConditionalOnProperty(name = "spring.ai.model.chat", havingValue = DmtdChatModel.PROVIDER, matchIfMissing = true)
@EnableConfigurationProperties(DmtdProperties.class)
public class DmtdEngineAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    ModelLocator dmtdModelLocator() {
        return new ModelLocator();
    }

    @Bean
    @ConditionalOnMissingBean
    ModelManifest dmtdModelManifest(ModelLocator locator, DmtdProperties properties) {
        return new ManifestReader(properties.model().verifyHashes()).read(locator.resolve(properties.model().path()));
    }

    @Bean
    @ConditionalOnMissingBean
    Tokenizer dmtdTokenizer(ModelManifest manifest) {
        return Tokenizer.load(manifest.tokenizerFile());
    }

    @Bean
    @ConditionalOnMissingBean
    ChatTemplate dmtdChatTemplate(ModelManifest manifest) {
        return ChatTemplate.fromModelFolder(manifest.folder());
    }

    @Bean
    @ConditionalOnMissingBean(DmtdEngine.class)
    OrtDmtdEngine dmtdEngine(ModelManifest manifest, Tokenizer tokenizer, DmtdProperties properties) {
        return OrtDmtdEngine.start(manifest, tokenizer, properties.engineConfig());
    }

    @Bean
    @ConditionalOnMissingBean
    ChatPromptEncoder dmtdPromptEncoder(ChatTemplate template, Tokenizer tokenizer) {
        return new TemplatePromptEncoder(template, tokenizer);
    }
}
