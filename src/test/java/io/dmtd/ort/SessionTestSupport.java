package io.dmtd.ort;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;

final class SessionTestSupport {

    private SessionTestSupport() {
    }

    static float[] read(OrtTensor hostTensor) {
        return hostTensor.hostData().toArray(JAVA_FLOAT);
    }
}
