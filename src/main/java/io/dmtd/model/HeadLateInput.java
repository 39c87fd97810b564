package io.dmtd.model;

/** What a cycle head feeds the late layers. */
public enum HeadLateInput implements ManifestEnums.Named {
    /** embed(x) + h: DMTD checkpoints. */
    EMBED_PLUS_HIDDEN("embed_plus_hidden"),
    /** h alone: a vanilla model, for which tau = 1 is ordinary autoregressive decoding. */
    HIDDEN("hidden");

    private final String manifestName;

    HeadLateInput(String manifestName) {
        this.manifestName = manifestName;
    }

    @Override
    public String manifestName() {
        return manifestName;
    }

    public static HeadLateInput fromManifest(String value) {
        return ManifestEnums.parse(HeadLateInput.class, value, "head_late_input");
    }
}
