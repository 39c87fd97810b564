package io.dmtd.text;

/** Turns token ids into text; the seam between streaming detokenization and a concrete tokenizer. */
@FunctionalInterface
public interface TokenDecoder {

    String decode(int[] ids);
}
