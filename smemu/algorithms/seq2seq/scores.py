"""How a translation model is scored on the validation channel: corpus BLEU, perplexity and
token accuracy, over token ids (the special symbols <pad>, <s>, </s> left out)."""

from __future__ import annotations

from collections import Counter

import numpy as np

SPECIAL_IDS = (0, 2, 3)   # <pad>, <s>, </s>; <unk> counts as a token
MAX_N = 4


def _tokens(ids) -> tuple:
    return tuple(int(i) for i in ids if int(i) not in SPECIAL_IDS)


def _ngrams(tokens: tuple, n: int) -> Counter:
    return Counter(tokens[i:i + n] for i in range(len(tokens) - n + 1))


def corpus_bleu(hypotheses, references) -> float:
    """Corpus BLEU-4 (Papineni et al. 2002): the geometric mean of the clipped 1- to 4-gram
    precisions times the brevity penalty, as a fraction (0 to 1); no smoothing."""
    matched = np.zeros(MAX_N)
    total = np.zeros(MAX_N)
    hyp_len = ref_len = 0
    for hyp, ref in zip(hypotheses, references):
        hyp, ref = _tokens(hyp), _tokens(ref)
        hyp_len += len(hyp)
        ref_len += len(ref)
        for n in range(1, MAX_N + 1):
            h, r = _ngrams(hyp, n), _ngrams(ref, n)
            matched[n - 1] += sum(min(c, r[g]) for g, c in h.items())
            total[n - 1] += max(len(hyp) - n + 1, 0)
    if hyp_len == 0 or (matched == 0).any():
        return 0.0
    log_precision = np.log(matched / total).mean()
    brevity = min(0.0, 1.0 - ref_len / hyp_len)
    return float(np.exp(log_precision + brevity))


def token_accuracy(hypotheses, references) -> float:
    """The fraction of reference tokens the hypothesis has at the same position."""
    right = seen = 0
    for hyp, ref in zip(hypotheses, references):
        hyp, ref = _tokens(hyp), _tokens(ref)
        seen += len(ref)
        right += sum(1 for a, b in zip(hyp, ref) if a == b)
    return right / seen if seen else 0.0


def perplexity(log_likelihoods: np.ndarray) -> float:
    """exp of the mean negative log-likelihood per target token."""
    return float(np.exp(-np.mean(log_likelihoods))) if len(log_likelihoods) else float("inf")
