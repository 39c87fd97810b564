package io.dmtd.model;

/** What the prompt's rows feed the late layers. */
public enum PrefillLateInput implements ManifestEnums.Named {
    /** The decode gate over the prompt too: heads feed what a decoding head feeds, others their embedding. */
    GATED("gated"),
    /** A plain full-depth forward: late input = trunk hidden state. */
    HIDDEN("hidden"),
    /** Embedding plus hidden state for every prompt row. */
    EMBED_PLUS_HIDDEN("embed_plus_hidden");

    private final String manifestName;

    PrefillLateInput(String manifestName) {
        this.manifestName = manifestName;
    }

    @Override
    public String manifestName() {
        return manifestName;
    }

    public static PrefillLateInput fromManifest(String value) {
        return ManifestEnums.parse(PrefillLateInput.class, value, "prefill_late_input");
    }
}
