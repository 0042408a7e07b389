"""The reply models' ids and version, apart from the models so naming them never loads scikit-learn.

The score registry names these as the producers of `intent.*` and `sentiment.*`; the trained
model's card carries the same values (`engine.scores.intents` imports them from here).
"""

from __future__ import annotations

INTENT_MODEL_ID = "reply-intents-tfidf-lr"
SENTIMENT_MODEL_ID = "reply-sentiment-tfidf-ridge"
MODEL_VERSION = "1.0.0"
