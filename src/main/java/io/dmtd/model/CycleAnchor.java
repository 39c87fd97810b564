package io.dmtd.model;

/** Which positions head a DMTD cycle (see shared/dmtd-algorithm.md). */
public enum CycleAnchor implements ManifestEnums.Named {
    /** head iff position mod tau == 0, as in training. */
    ABSOLUTE("absolute"),
    /** head iff (position - prompt length) mod tau == 0: the first generated token always heads. */
    PROMPT_END("prompt_end");

    private final String manifestName;

    CycleAnchor(String manifestName) {
        this.manifestName = manifestName;
    }

    @Override
    public String manifestName() {
        return manifestName;
    }

    public static CycleAnchor fromManifest(String value) {
        return ManifestEnums.parse(CycleAnchor.class, value, "cycle_anchor");
    }
}
