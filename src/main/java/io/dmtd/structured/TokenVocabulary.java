package io.dmtd.structured;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A model's vocabulary as bytes, for masks: a trie of every ordinary token's bytes in preorder (a subtree is a
 * contiguous range of nodes, so a rejected prefix skips its whole subtree in one jump), plus the end-of-sequence
 * ids. Special and added tokens other than EOS are left out: constrained output is plain text. Immutable.
 */
public final class TokenVocabulary {

    private final int size;
    private final int[] eosIds;
    private final byte[][] tokenBytes;
    // trie in preorder; node 0 is the root (no byte)
    private final byte[] nodeByte;
    private final int[] subtreeEnd;
    private final int[] firstToken;       // a token whose bytes end at the node, or -1
    private final int[] sameBytesNext;    // by token: the next token with the same bytes, or -1
    private final int maxTokenLength;

    /**
     * @param tokenBytes by id; null for ids that must never be generated under a constraint (special tokens)
     * @param eosIds     the ids that end the output, allowed exactly when the value is complete
     */
    public TokenVocabulary(byte[][] tokenBytes, int[] eosIds) {
        this.size = tokenBytes.length;
        this.eosIds = eosIds.clone();
        this.tokenBytes = tokenBytes.clone();
        Integer[] order = new Integer[size];
        int count = 0;
        int longest = 0;
        for (int id = 0; id < size; id++) {
            if (tokenBytes[id] != null && tokenBytes[id].length > 0 && !isEos(id)) {
                order[count++] = id;
                longest = Math.max(longest, tokenBytes[id].length);
            }
        }
        this.maxTokenLength = longest;
        Integer[] sorted = Arrays.copyOf(order, count);
        Arrays.sort(sorted, (a, b) -> Arrays.compareUnsigned(tokenBytes[a], tokenBytes[b]));
        List<Byte> bytes = new ArrayList<>();
        int[] ends = new int[16];
        int[] first = new int[16];
        sameBytesNext = new int[size];
        Arrays.fill(sameBytesNext, -1);
        // path[d] = node at depth d of the previous token's path
        int[] path = new int[longest + 1];
        int pathLength = 0; // nodes on the path below the root
        bytes.add((byte) 0);
        int nodes = 1;
        byte[] previous = new byte[0];
        for (int id : sorted) {
            byte[] token = tokenBytes[id];
            int common = Arrays.mismatch(previous, token);
            if (common < 0) { // same bytes as the previous token
                int node = path[pathLength];
                int t = first[node];
                while (sameBytesNext[t] >= 0) {
                    t = sameBytesNext[t];
                }
                sameBytesNext[t] = id;
                continue;
            }
            common = Math.min(common, Math.min(previous.length, token.length));
            while (pathLength > common) {
                ends = grow(ends, path[pathLength]);
                ends[path[pathLength]] = nodes;
                pathLength--;
            }
            for (int d = common; d < token.length; d++) {
                bytes.add(token[d]);
                first = grow(first, nodes);
                first[nodes] = -1;
                path[++pathLength] = nodes++;
            }
            first[path[pathLength]] = id;
            previous = token;
        }
        while (pathLength > 0) {
            ends = grow(ends, path[pathLength]);
            ends[path[pathLength]] = nodes;
            pathLength--;
        }
        this.nodeByte = new byte[nodes];
        for (int i = 0; i < nodes; i++) {
            nodeByte[i] = bytes.get(i);
        }
        this.subtreeEnd = Arrays.copyOf(ends, nodes);
        this.subtreeEnd[0] = nodes;
        this.firstToken = Arrays.copyOf(first, nodes);
        this.firstToken[0] = -1;
    }

    private static int[] grow(int[] array, int index) {
        return index < array.length ? array : Arrays.copyOf(array, Math.max(index + 1, array.length * 2));
    }

    private boolean isEos(int id) {
        for (int eos : eosIds) {
            if (eos == id) {
                return true;
            }
        }
        return false;
    }

    public int size() {
        return size;
    }

    int[] eosIds() {
        return eosIds;
    }

    /** The bytes of a token, null for tokens that are never generated under a constraint. */
    byte[] bytes(int token) {
        return tokenBytes[token];
    }

    int nodeCount() {
        return nodeByte.length;
    }

    int nodeByte(int node) {
        return nodeByte[node] & 0xFF;
    }

    int subtreeEnd(int node) {
        return subtreeEnd[node];
    }

    int maxTokenLength() {
        return maxTokenLength;
    }

    /** Sets the bits of every token whose bytes end at the node. */
    void markTokensAt(int node, long[] mask) {
        for (int t = firstToken[node]; t >= 0; t = sameBytesNext[t]) {
            mask[t >>> 6] |= 1L << t;
        }
    }

    boolean endsToken(int node) {
        return firstToken[node] >= 0;
    }
}
