package io.dmtd.model;

import java.util.Arrays;

/** Parses the manifest's snake_case enum values, naming the field and the accepted values on error. */
final class ManifestEnums {

    /** An enum whose constants are spelled in the manifest as {@link #manifestName()}. */
    interface Named {
        String manifestName();
    }

    private ManifestEnums() {
    }

    static <E extends Enum<E> & Named> E parse(Class<E> type, String value, String field) {
        for (E candidate : type.getEnumConstants()) {
            if (candidate.manifestName().equals(value)) {
                return candidate;
            }
        }
        throw new ModelException(field + " '" + value + "' is not one of "
                + Arrays.stream(type.getEnumConstants()).map(Named::manifestName).toList());
    }
}
