package io.dmtd.ops;

import io.dmtd.engine.DmtdEngine;
import io.dmtd.engine.EngineInfo;
import org.springframework.boot.actuate.info.Info;
import org.springframework.boot.actuate.info.InfoContributor;

import java.util.LinkedHashMap;
import java.util.Map;

/** {@code /actuator/info}: the model, the device and the DMTD cycle length. */
public final class ModelInfoContributor implements InfoContributor {

    private final DmtdEngine engine;

    public ModelInfoContributor(DmtdEngine engine) {
        this.engine = engine;
    }

    @Override
    public void contribute(Info.Builder builder) {
        EngineInfo info = engine.info();
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("id", info.modelId());
        model.put("device", info.device());
        model.put("tau", info.tauDefault());
        model.put("tauMax", info.tauMax());
        model.put("maxContext", info.maxContext());
        model.put("slots", info.slots());
        model.put("queueCapacity", info.queueCapacity());
        builder.withDetail("model", model);
    }
}
