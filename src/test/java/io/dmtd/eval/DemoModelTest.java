package io.dmtd.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dmtd.engine.EngineConfig;
import io.dmtd.engine.OrtDmtdEngine;
import io.dmtd.model.CycleAnchor;
import io.dmtd.model.HeadLateInput;
import io.dmtd.model.ManifestReader;
import io.dmtd.model.ModelLocator;
import io.dmtd.model.ModelManifest;
import io.dmtd.model.PrefillLateInput;
import io.dmtd.text.ChatMessage;
import io.dmtd.text.ChatTemplate;
import io.dmtd.text.ChatTemplateOptions;
import io.dmtd.text.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped default model (classpath models/default, trained by {@code python3 -m dmtd_export train}) through the
 * engine: it reaches the accuracy recorded in docs/demo-model.json on the first held-out questions, and its tokenizer
 * (with the merges learned from the corpus) encodes as the Python trainer did.
 */
class DemoModelTest {

    static final Path HELDOUT = Path.of("docs", "demo-heldout.jsonl");
    static final Path RECORDED = Path.of("docs", "demo-model.json");
    static final int SAMPLE = 40;

    static ModelLocator locator;
    static ModelManifest manifest;
    static Tokenizer tokenizer;
    static OrtDmtdEngine engine;
    static Evaluator evaluator;

    @BeforeAll
    static void start() {
        locator = new ModelLocator();
        manifest = new ManifestReader(true).read(locator.resolve(ModelLocator.DEFAULT_MODEL));
        tokenizer = Tokenizer.load(manifest.tokenizerFile());
        engine = OrtDmtdEngine.start(manifest, tokenizer, EngineConfig.defaults().withDevice(EngineConfig.Device.CPU)
                .withIntraOpThreads(1).withSlots(1, 0));
        evaluator = new Evaluator(engine, tokenizer, ChatTemplate.fromModelFolder(manifest.folder()), 48);
    }

    @AfterAll
    static void stop() {
        engine.close();
        tokenizer.close();
        locator.close();
    }

    @Test
    void isTheTrainedDmtdDemoModel() {
        assertThat(manifest.name()).isEqualTo("dmtd-demo");
        assertThat(manifest.headLateInput()).isEqualTo(HeadLateInput.EMBED_PLUS_HIDDEN);
        assertThat(manifest.prefillLateInput()).isEqualTo(PrefillLateInput.GATED);
        assertThat(manifest.cycleAnchor()).isEqualTo(CycleAnchor.PROMPT_END);
        assertThat(manifest.tauMax()).isEqualTo(4);
        assertThat(manifest.tauDefault()).isEqualTo(3);
        assertThat(manifest.headDim() % 16).isZero();
    }

    @Test
    void reachesTheRecordedAccuracyAtTauOne() throws Exception {
        List<EvalExample> sample = EvalExample.readJsonl(HELDOUT, SAMPLE);
        assertThat(sample).hasSize(SAMPLE);
        TauResult result = evaluator.run(sample, 1, 0, null);
        JsonNode recorded = null;
        for (JsonNode t : new ObjectMapper().readTree(RECORDED.toFile()).path("taus")) {
            if (t.path("tau").asInt() == 1) {
                recorded = t;
            }
        }
        assertThat(recorded).as("tau 1 in " + RECORDED).isNotNull();
        String outcomes = recorded.path("outcomes").asText().substring(0, SAMPLE);
        long recordedCorrect = outcomes.chars().filter(c -> c == '1').count();
        // greedy decoding is deterministic; allow a question or two of rounding differences between machines
        assertThat((long) result.correct()).isBetween(recordedCorrect - 2, recordedCorrect + 2);
        assertThat(result.accuracy()).isGreaterThan(recorded.path("accuracy").asDouble() - 0.15);
    }

    @Test
    void answersTheDemoQuestionAtEveryTau() {
        // held-out question 0 (never trained); tau 0 = the model's default (3)
        EvalExample question = new EvalExample(List.of(ChatMessage.user("What is 80 + 63?")), "143", "add");
        for (int tau : new int[]{0, 1, 2, 3, 4}) {
            assertThat(evaluator.answer(question, tau).text()).as("tau " + tau).isEqualTo("143");
        }
    }

    @Test
    void tokenizerEncodesLikeThePythonTrainer() {
        ChatTemplate template = ChatTemplate.fromModelFolder(manifest.folder());
        String prompt = template.render(List.of(ChatMessage.user("What is 47 + 38?")), ChatTemplateOptions.forGeneration());
        assertThat(prompt).isEqualTo("<|im_start|>user\nWhat is 47 + 38?<|im_end|>\n<|im_start|>assistant\n");
        assertThat(tokenizer.encode(prompt)).containsExactly(PYTHON_PROMPT_IDS);
        assertThat(tokenizer.encode("forty-seven")).containsExactly(PYTHON_REPLY_IDS);
    }

    // ChatEncoder(tokenizer.json).encode_text(...) in onnx-export (filled in from the committed tokenizer)
    static final int[] PYTHON_PROMPT_IDS = {257, 289, 52, 55, 326, 51, 56, 63, 258, 10, 257, 275};
    static final int[] PYTHON_REPLY_IDS = {506, 382, 505};
}
