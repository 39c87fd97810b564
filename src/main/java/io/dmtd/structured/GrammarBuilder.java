package io.dmtd.structured;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns rule bodies ({@link Rx}) into a {@link Grammar}: a Thompson automaton per rule, byte classes shared by
 * all rules (bytes no rule tells apart read as one), then the subset construction, with a call of the same rule
 * from one state merged into one edge. Rules are declared first and defined later, so bodies may refer to each
 * other (recursive schemas).
 */
final class GrammarBuilder {

    /** Bound on automaton states over all rules; a schema that needs more is refused rather than built slowly. */
    static final int MAX_STATES = 200_000;

    private final List<Rx> bodies = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    int declare(String name) {
        bodies.add(null);
        names.add(name);
        return bodies.size() - 1;
    }

    void define(int rule, Rx body) {
        bodies.set(rule, body);
    }

    int rule(String name, Rx body) {
        int rule = declare(name);
        define(rule, body);
        return rule;
    }

    Grammar build(int root, String description) {
        List<Nfa> nfas = new ArrayList<>();
        for (int r = 0; r < bodies.size(); r++) {
            if (bodies.get(r) == null) {
                throw new IllegalStateException("rule " + names.get(r) + " declared but not defined");
            }
            nfas.add(new Nfa(bodies.get(r)));
        }
        int[] byteClass = new int[256];
        int classCount = byteClasses(nfas, byteClass);
        int[] representative = new int[classCount];
        for (int b = 255; b >= 0; b--) {
            representative[byteClass[b]] = b;
        }
        List<Grammar.Rule> rules = new ArrayList<>();
        int total = 0;
        for (Nfa nfa : nfas) {
            Grammar.Rule rule = nfa.determinize(representative, MAX_STATES - total);
            total += rule.states();
            rules.add(rule);
        }
        checkProgress(rules);
        return new Grammar(byteClass, classCount, rules, root, description);
    }

    /** Refuses rules that call themselves before reading a byte (they would recurse forever). */
    private void checkProgress(List<Grammar.Rule> rules) {
        for (int start = 0; start < rules.size(); start++) {
            ArrayDeque<Integer> pending = new ArrayDeque<>(List.of(start));
            boolean[] seen = new boolean[rules.size()];
            while (!pending.isEmpty()) {
                int[] calls = rules.get(pending.pop()).calls()[0];
                for (int i = 0; i < calls.length; i += 2) {
                    int callee = calls[i];
                    if (callee == start) {
                        throw new UnsupportedSchemaException("$ref", names.get(start),
                                "the reference refers back to itself before any value is written");
                    }
                    if (!seen[callee]) {
                        seen[callee] = true;
                        pending.push(callee);
                    }
                }
            }
        }
    }

    /** Partitions the bytes by every byte set the automata read; returns the number of classes. */
    private static int byteClasses(List<Nfa> nfas, int[] byteClass) {
        int classes = 1;
        Map<Long, Integer> split = new HashMap<>();
        for (Nfa nfa : nfas) {
            for (long[] set : nfa.byteSets) {
                split.clear();
                int next = 0;
                int[] renumbered = new int[256];
                for (int b = 0; b < 256; b++) {
                    boolean in = (set[b >>> 6] & (1L << b)) != 0;
                    long key = ((long) byteClass[b] << 1) | (in ? 1 : 0);
                    Integer id = split.get(key);
                    if (id == null) {
                        id = next++;
                        split.put(key, id);
                    }
                    renumbered[b] = id;
                }
                System.arraycopy(renumbered, 0, byteClass, 0, 256);
                classes = next;
            }
        }
        return classes;
    }

    /** Thompson automaton of one rule body. */
    private static final class Nfa {
        final List<int[]> epsilon = new ArrayList<>();
        final List<List<Object[]>> byteEdges = new ArrayList<>();   // {long[] set, Integer target}
        final List<int[]> callEdges = new ArrayList<>();            // pairs rule, target
        final List<long[]> byteSets = new ArrayList<>();
        final int exit;

        Nfa(Rx body) {
            int start = newState();
            exit = build(body, start);
        }

        private int newState() {
            epsilon.add(new int[0]);
            byteEdges.add(new ArrayList<>(1));
            callEdges.add(new int[0]);
            return epsilon.size() - 1;
        }

        private void eps(int from, int to) {
            int[] old = epsilon.get(from);
            int[] grown = Arrays.copyOf(old, old.length + 1);
            grown[old.length] = to;
            epsilon.set(from, grown);
        }

        private int build(Rx rx, int from) {
            if (epsilon.size() > MAX_STATES * 4) {
                throw new UnsupportedSchemaException("", "", "the schema needs a grammar larger than "
                        + MAX_STATES + " states");
            }
            switch (rx) {
                case Rx.Bytes bytes -> {
                    int to = newState();
                    byteEdges.get(from).add(new Object[] {bytes.set(), to});
                    byteSets.add(bytes.set());
                    return to;
                }
                case Rx.Seq seq -> {
                    int at = from;
                    for (Rx part : seq.parts()) {
                        at = build(part, at);
                    }
                    return at;
                }
                case Rx.Alt alt -> {
                    int end = newState();
                    for (Rx choice : alt.choices()) {
                        int entry = newState();
                        eps(from, entry);
                        eps(build(choice, entry), end);
                    }
                    return end;
                }
                case Rx.Call call -> {
                    int to = newState();
                    int[] old = callEdges.get(from);
                    int[] grown = Arrays.copyOf(old, old.length + 2);
                    grown[old.length] = call.rule();
                    grown[old.length + 1] = to;
                    callEdges.set(from, grown);
                    return to;
                }
                case Rx.Repeat repeat -> {
                    int at = from;
                    for (int i = 0; i < repeat.min(); i++) {
                        at = build(repeat.body(), at);
                    }
                    if (repeat.max() == Rx.UNBOUNDED) {
                        int loop = newState();
                        eps(at, loop);
                        eps(build(repeat.body(), loop), loop);
                        return loop;
                    }
                    int end = newState();
                    eps(at, end);
                    for (int i = repeat.min(); i < repeat.max(); i++) {
                        at = build(repeat.body(), at);
                        eps(at, end);
                    }
                    return end;
                }
            }
        }

        private int[] closure(int[] states) {
            boolean[] in = new boolean[epsilon.size()];
            ArrayDeque<Integer> pending = new ArrayDeque<>();
            for (int s : states) {
                if (!in[s]) {
                    in[s] = true;
                    pending.push(s);
                }
            }
            while (!pending.isEmpty()) {
                for (int t : epsilon.get(pending.pop())) {
                    if (!in[t]) {
                        in[t] = true;
                        pending.push(t);
                    }
                }
            }
            int count = 0;
            for (boolean b : in) {
                count += b ? 1 : 0;
            }
            int[] result = new int[count];
            int i = 0;
            for (int s = 0; s < in.length; s++) {
                if (in[s]) {
                    result[i++] = s;
                }
            }
            return result;
        }

        Grammar.Rule determinize(int[] representative, int budget) {
            int classes = representative.length;
            Map<List<Integer>, Integer> ids = new HashMap<>();
            List<int[]> sets = new ArrayList<>();
            List<int[]> next = new ArrayList<>();
            List<int[]> calls = new ArrayList<>();
            List<Boolean> accepting = new ArrayList<>();
            ArrayDeque<Integer> pending = new ArrayDeque<>();
            intern(closure(new int[] {0}), ids, sets, pending);
            while (!pending.isEmpty()) {
                int d = pending.removeFirst();
                if (sets.size() > budget) {
                    throw new UnsupportedSchemaException("", "", "the schema needs a grammar larger than "
                            + MAX_STATES + " states");
                }
                int[] members = sets.get(d);
                int[] row = new int[classes];
                for (int c = 0; c < classes; c++) {
                    int b = representative[c];
                    List<Integer> targets = new ArrayList<>();
                    for (int s : members) {
                        for (Object[] edge : byteEdges.get(s)) {
                            long[] set = (long[]) edge[0];
                            if ((set[b >>> 6] & (1L << b)) != 0) {
                                targets.add((Integer) edge[1]);
                            }
                        }
                    }
                    row[c] = targets.isEmpty() ? -1
                            : intern(closure(targets.stream().mapToInt(Integer::intValue).toArray()), ids, sets,
                            pending);
                }
                Map<Integer, List<Integer>> byRule = new HashMap<>();
                for (int s : members) {
                    int[] edges = callEdges.get(s);
                    for (int i = 0; i < edges.length; i += 2) {
                        byRule.computeIfAbsent(edges[i], k -> new ArrayList<>()).add(edges[i + 1]);
                    }
                }
                int[] callRow = new int[byRule.size() * 2];
                int i = 0;
                for (Map.Entry<Integer, List<Integer>> entry : byRule.entrySet()) {
                    callRow[i++] = entry.getKey();
                    callRow[i++] = intern(closure(entry.getValue().stream().mapToInt(Integer::intValue).toArray()),
                            ids, sets, pending);
                }
                boolean accepts = Arrays.binarySearch(members, exit) >= 0;
                while (next.size() <= d) {
                    next.add(null);
                    calls.add(null);
                    accepting.add(null);
                }
                next.set(d, row);
                calls.set(d, callRow);
                accepting.set(d, accepts);
            }
            int states = sets.size();
            int[] table = new int[states * classes];
            boolean[] accept = new boolean[states];
            int[][] callTable = new int[states][];
            for (int d = 0; d < states; d++) {
                System.arraycopy(next.get(d), 0, table, d * classes, classes);
                accept[d] = accepting.get(d);
                callTable[d] = calls.get(d);
            }
            return new Grammar.Rule(states, table, accept, callTable);
        }

        private static int intern(int[] set, Map<List<Integer>, Integer> ids, List<int[]> sets,
                                  ArrayDeque<Integer> pending) {
            List<Integer> key = Arrays.stream(set).boxed().toList();
            Integer id = ids.get(key);
            if (id == null) {
                id = sets.size();
                ids.put(key, id);
                sets.add(set);
                pending.addLast(id);
            }
            return id;
        }
    }
}
