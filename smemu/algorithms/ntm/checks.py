"""What NTM checks of its channels: word counts on the data channels (as LDA), nothing of the
``auxiliary`` channel's vocabulary lines."""

from __future__ import annotations

from smemu.algorithms.topic_models.word_counts import WordCountChecks

#: channels of text, not records
TEXT_CHANNELS = ("auxiliary",)


class NTMChecks(WordCountChecks):
    def batch(self, batch, channel: str) -> None:
        if channel not in TEXT_CHANNELS:
            super().batch(batch, channel)

    def records(self, batch, channel: str) -> None:
        if channel not in TEXT_CHANNELS:
            super().records(batch, channel)
