"""A chat-style question/answer set from WordNet 3.0 glosses (Debian's wordnet-base).

    python3 wordnet_chat.py WORDNET_DIR OUT.jsonl [--text OUT.txt] [--all]

WORDNET_DIR holds index.{noun,verb,adj,adv} and data.{noun,verb,adj,adv} (wndb(5WN) format).
Each output line is one conversation:
    {"messages": [{"role": "user", "content": "What does the word \"bank\" mean?"},
                  {"role": "assistant", "content": "The word \"bank\" ..."}]}

Which words: by default the lemmas that WordNet's semantic concordance has seen in running text
(tagsense_cnt > 0 for some part of speech: the everyday vocabulary), plus lower-case
single-word lemmas whose first sense has an example sentence; --all takes every lemma. Each
answer gives at most MAX_SENSES senses, most frequent first, across parts of speech ordered by
how often each was tagged (senses after the first only when the concordance saw them), with the
first example sentence of each sense when there is one.
--text also writes the same conversations as plain text (question and answer as two paragraphs,
one blank line between paragraphs): input for `primer tokenizer train`, which reads raw text
and would otherwise learn JSON syntax as vocabulary. It is not meant as training data beside the
JSONL (that would count every definition twice). The question's wording varies over a few templates, chosen by a hash of the word, so the output
is deterministic. Sorted by lemma.
"""
import hashlib
import json
import re
import sys

POS_FILES = [("noun", "n"), ("verb", "v"), ("adj", "a"), ("adv", "r")]
POS_NAME = {"n": "noun", "v": "verb", "a": "adjective", "s": "adjective", "r": "adverb"}
MAX_SENSES = 3
QUESTIONS = [
    'What does the word "{w}" mean?',
    'What does the word "{w}" mean?',
    'What does the word "{w}" mean?',
    'What does "{w}" mean?',
    'What is the meaning of "{w}"?',
    'Define "{w}".',
    'Can you tell me what "{w}" means?',
]
ADJ_MARKER = re.compile(r"\((a|p|ip)\)$")


def read_data(path):
    """offset -> (words as written, definition, [examples])"""
    out = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("  "):
                continue  # licence header
            head, _, gloss = line.partition(" | ")
            fields = head.split()
            offset = fields[0]
            n_words = int(fields[3], 16)
            words = [ADJ_MARKER.sub("", fields[4 + 2 * i]) for i in range(n_words)]
            definition, examples = split_gloss(gloss.strip())
            out[offset] = (words, definition, examples)
    return out


def split_gloss(gloss):
    """'def one; def two; "example one"; "example two"' -> ('def one; def two', [examples])"""
    definition, examples = [], []
    # Quoted segments are examples; everything else is definition text.
    pos = 0
    for m in re.finditer(r'"([^"]*)"', gloss):
        before = gloss[pos:m.start()]
        definition.append(before)
        ex = m.group(1).strip()
        if ex:
            examples.append(ex)
        pos = m.end()
    definition.append(gloss[pos:])
    text = " ".join(definition)
    parts = [p.strip(" ;,-") for p in text.split(";")]
    text = "; ".join(p for p in parts if p)
    text = re.sub(r"\s+", " ", text).strip()
    # WordNet quotes inside glosses TeX-style: `ane' -> 'ane'
    return text.replace("`", "'"), [e.replace("`", "'") for e in examples]


def read_index(path, pos_letter):
    """lemma -> (tagsense_cnt, [offsets in frequency order])"""
    out = {}
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("  "):
                continue
            fields = line.split()
            lemma = fields[0]
            p_cnt = int(fields[3])
            sense_cnt = int(fields[4 + p_cnt])
            tagsense_cnt = int(fields[5 + p_cnt])
            offsets = fields[6 + p_cnt:6 + p_cnt + sense_cnt]
            out[lemma] = (tagsense_cnt, offsets)
    return out


def surface(lemma, words):
    """The lemma as the synset writes it (keeps capitals: 'paris' -> 'Paris')."""
    for w in words:
        if w.lower() == lemma:
            return w.replace("_", " ")
    return lemma.replace("_", " ")


def sentence(text):
    text = text.strip()
    if not text:
        return text
    if text[-1] not in ".!?":
        text += "."
    return text


def answer(word, senses):
    """senses: [(pos_letter, definition, examples)]"""
    if len(senses) == 1:
        pos, definition, examples = senses[0]
        article = "an" if POS_NAME[pos][0] in "aeiou" else "a"
        text = f'The word "{word}" is {article} {POS_NAME[pos]}. It means {sentence(definition)}'
        if examples:
            text += f' For example: "{sentence(examples[0])}"'
        return text
    lines = [f'The word "{word}" has more than one meaning. The most common are:']
    for i, (pos, definition, examples) in enumerate(senses, 1):
        line = f"{i}. ({POS_NAME[pos]}) {sentence(definition)}"
        if examples:
            line += f' For example: "{sentence(examples[0])}"'
        lines.append(line)
    return "\n".join(lines)


def question(word):
    h = int.from_bytes(hashlib.sha256(word.encode("utf-8")).digest()[:4], "big")
    return QUESTIONS[h % len(QUESTIONS)].format(w=word)


def build(wn_dir, take_all=False):
    data = {}
    index = {}
    for name, letter in POS_FILES:
        data[letter] = read_data(f"{wn_dir}/data.{name}")
        index[letter] = read_index(f"{wn_dir}/index.{name}", letter)
    lemmas = sorted(set().union(*(idx.keys() for idx in index.values())))
    rows = []
    for lemma in lemmas:
        entries = []  # (tagsense, pos order, letter, offsets)
        for order, (_, letter) in enumerate(POS_FILES):
            if lemma in index[letter]:
                tag, offsets = index[letter][lemma]
                entries.append((-tag, order, letter, offsets))
        entries.sort()
        tagged = any(e[0] < 0 for e in entries)
        first_letter, first_offsets = entries[0][2], entries[0][3]
        first = data[first_letter][first_offsets[0]]
        word = surface(lemma, first[0])
        if not take_all and not tagged:
            if not first[2] or not lemma.isalpha() or word != lemma:
                continue
        # The best POS's senses first, then one from each other POS; past the first sense, only
        # senses seen in the concordance (the first tagsense_cnt of a POS), unless --all.
        senses = []
        for neg_tag, _, letter, offsets in entries:
            n = MAX_SENSES if not senses else 1
            if senses and not take_all:
                n = min(n, -neg_tag)
            for off in offsets[:n]:
                if len(senses) < MAX_SENSES:
                    words, definition, examples = data[letter][off]
                    if definition:
                        senses.append((letter, definition, examples))
        if not senses:
            continue
        rows.append({"messages": [
            {"role": "user", "content": question(word)},
            {"role": "assistant", "content": answer(word, senses)},
        ]})
    return rows


def main(argv):
    args, text_out, take_all = [], None, False
    it = iter(argv[1:])
    for a in it:
        if a == "--all":
            take_all = True
        elif a == "--text":
            text_out = next(it, None)
        else:
            args.append(a)
    if len(args) != 2 or (text_out is None and "--text" in argv):
        print("usage: wordnet_chat.py WORDNET_DIR OUT.jsonl [--text OUT.txt] [--all]", file=sys.stderr)
        return 2
    rows = build(args[0], take_all=take_all)
    with open(args[1], "w", encoding="utf-8", newline="\n") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    if text_out:
        with open(text_out, "w", encoding="utf-8", newline="\n") as f:
            for row in rows:
                f.write("\n\n".join(m["content"] for m in row["messages"]) + "\n\n")
    print(f"wordnet_chat: {len(rows)} conversations -> {args[1]}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
