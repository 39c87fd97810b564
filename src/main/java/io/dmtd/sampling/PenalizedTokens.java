package io.dmtd.sampling;

/**
 * The tokens a request's penalties apply to, each with the number of times it was generated (0 for a token seen only
 * in the prompt): an open-addressing hash table that grows with the distinct tokens, not with the vocabulary.
 */
final class PenalizedTokens {

    /** Token + 1 in each slot; 0 marks an empty slot. */
    private int[] slots = new int[16];
    private int[] generated = new int[16];
    private int size;

    /** Adds a prompt token: penalised by the repetition penalty only. */
    void addSeen(int token) {
        slotFor(token);
    }

    /** Counts one more generation of the token. */
    void addGenerated(int token) {
        int slot = slotFor(token); // before reading the field: adding may grow the table
        generated[slot]++;
    }

    /** The token's slot, or -1 when the penalties do not touch it. */
    int slotOf(int token) {
        int mask = slots.length - 1;
        for (int slot = hash(token) & mask; ; slot = (slot + 1) & mask) {
            int stored = slots[slot];
            if (stored == token + 1) {
                return slot;
            }
            if (stored == 0) {
                return -1;
            }
        }
    }

    /** Slots to iterate over with {@link #token(int)}. */
    int capacity() {
        return slots.length;
    }

    /** The token in the slot, or -1 for an empty slot. */
    int token(int slot) {
        return slots[slot] - 1;
    }

    int generated(int slot) {
        return generated[slot];
    }

    private int slotFor(int token) {
        int slot = slotOf(token);
        if (slot >= 0) {
            return slot;
        }
        if (2 * (size + 1) > slots.length) {
            grow();
        }
        size++;
        return insert(token, 0);
    }

    private int insert(int token, int count) {
        int mask = slots.length - 1;
        int slot = hash(token) & mask;
        while (slots[slot] != 0) {
            slot = (slot + 1) & mask;
        }
        slots[slot] = token + 1;
        generated[slot] = count;
        return slot;
    }

    private void grow() {
        int[] oldSlots = slots;
        int[] oldGenerated = generated;
        slots = new int[oldSlots.length * 2];
        generated = new int[oldSlots.length * 2];
        for (int slot = 0; slot < oldSlots.length; slot++) {
            if (oldSlots[slot] != 0) {
                insert(oldSlots[slot] - 1, oldGenerated[slot]);
            }
        }
    }

    private static int hash(int token) {
        int h = token * 0x9E3779B9;
        return h ^ (h >>> 16);
    }
}
