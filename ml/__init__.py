"""Pure-Python machine learning for upsell propensity: features, training, evaluation, scoring."""
