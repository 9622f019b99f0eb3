"""Disentanglement of codes against known generative factors: MIG, DCI and SAP.

The definitions are those of disentanglement_lib (Locatello et al. 2019), re-implemented on numpy
and scikit-learn:

- MIG (Chen et al. 2018): each code dimension is discretised into 20 equal-width bins; for each
  factor, the gap between the two code dimensions sharing most mutual information with it, divided
  by the factor's entropy; the mean over factors. 1 when each factor lives in one dimension alone.
- DCI (Eastwood & Williams 2018): one gradient-boosted tree classifier per factor predicts it from all
  codes; its feature importances fill a (codes, factors) matrix. Disentanglement is 1 minus each
  code's entropy over factors (base: the number of factors), weighted by the code's share of
  importance; completeness the same per factor over codes; informativeness the classifiers' mean
  accuracy on held-out codes.
- SAP (Kumar et al. 2018): a (codes, factors) score matrix, then the mean over factors of the gap
  between its two largest scores. A discrete factor's score is the held-out accuracy of a linear SVM
  on one code dimension (disentanglement_lib's discrete branch); a continuous factor's is the squared
  correlation of the code with it (disentanglement_lib's continuous branch).

Factors holding integers (or booleans) are discrete and used as they are; float factors are
continuous and, for MIG and the DCI classifiers, discretised into 20 bins like the codes.
DCI's classifiers and SAP's SVMs learn on 2/3 of the images and are scored on the other third.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

# scikit-learn and scipy.stats are imported where used: `import latent_core` stays quick for the app and its workers

BINS = 20
TRAIN_SHARE = 2 / 3
MIN_IMAGES = 30
# disentanglement_lib uses scikit-learn's default GBT (100 trees a class); 10 trees at a higher learning rate keep
# 2,000 images to a few seconds, with the same sanity scores (codes equal to factors: D 0.92, random codes: 0.003)
GBT = {"n_estimators": 10, "max_depth": 3, "learning_rate": 0.3}


@dataclass(frozen=True)
class DisentanglementScores:
    """MIG, DCI and SAP, each in [0, 1], for the factors named in `factor_names`."""

    factor_names: tuple[str, ...]
    mig: float
    dci_disentanglement: float
    dci_completeness: float
    dci_informativeness: float
    sap: float


def discretize(values: np.ndarray, bins: int = BINS) -> np.ndarray:
    """Equal-width bins over the values' range, int (N,), for values (N,): disentanglement_lib's histogram
    discretiser (a value on the top edge falls in the last bin)."""
    edges = np.histogram(values, bins)[1][:-1]
    return np.digitize(values, edges)


def factor_classes(values: np.ndarray, discrete: bool) -> np.ndarray:
    """Class indices int (N,) of one factor: its distinct values when discrete, else its 20 bins."""
    if discrete:
        return np.unique(values, return_inverse=True)[1]
    return discretize(values)


def mutual_information(codes_binned: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Mutual information in nats, (codes, factors), between binned codes (N, d) and factor classes (N, F)."""
    from sklearn.metrics import mutual_info_score

    return np.array(
        [
            [mutual_info_score(classes[:, j], codes_binned[:, i]) for j in range(classes.shape[1])]
            for i in range(codes_binned.shape[1])
        ]
    )


def mig(codes: np.ndarray, classes: np.ndarray) -> float:
    """Mutual information gap for codes (N, d), d >= 2, and factor classes (N, F) of non-constant factors."""
    from sklearn.metrics import mutual_info_score

    binned = np.stack([discretize(codes[:, i]) for i in range(codes.shape[1])], axis=1)
    info = np.sort(mutual_information(binned, classes), axis=0)[::-1]
    entropies = np.array([mutual_info_score(classes[:, j], classes[:, j]) for j in range(classes.shape[1])])
    return float(np.mean((info[0] - info[1]) / entropies))


def importance_matrix(
    codes: np.ndarray, classes: np.ndarray, train: np.ndarray, test: np.ndarray, seed: int
) -> tuple[np.ndarray, float]:
    """GBT feature importances (codes, factors) and the classifiers' mean held-out accuracy."""
    from sklearn.ensemble import GradientBoostingClassifier

    importances = np.zeros((codes.shape[1], classes.shape[1]))
    accuracies = []
    for j in range(classes.shape[1]):
        model = GradientBoostingClassifier(random_state=seed, **GBT).fit(codes[train], classes[train, j])
        importances[:, j] = np.abs(model.feature_importances_)
        accuracies.append(np.mean(model.predict(codes[test]) == classes[test, j]))
    return importances, float(np.mean(accuracies))


def weighted_specificity(importances: np.ndarray) -> float:
    """1 - entropy of each row over its columns (base: the number of columns), weighted by the rows' share of
    the total importance. Rows are codes for disentanglement; pass the transpose for completeness."""
    from scipy.stats import entropy

    per_row = 1.0 - entropy(importances.T + 1e-11, base=importances.shape[1])
    total = importances if importances.sum() > 0 else np.ones_like(importances)
    return float(np.sum(per_row * total.sum(axis=1) / total.sum()))


def sap(codes: np.ndarray, factors: np.ndarray, discrete: list[bool], train: np.ndarray, test: np.ndarray) -> float:
    """Separated attribute predictability for codes (N, d), d >= 2, and raw factor values (N, F)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    scores = np.zeros((codes.shape[1], factors.shape[1]))
    for j, is_discrete in enumerate(discrete):
        y = factors[:, j]
        for i in range(codes.shape[1]):
            code = codes[:, i]
            if is_discrete:
                with warnings.catch_warnings():  # liblinear may stop at its iteration cap on a useless code
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    svm = LinearSVC(C=0.01, class_weight="balanced").fit(code[train, None], y[train])
                scores[i, j] = np.mean(svm.predict(code[test, None]) == y[test])
            else:
                cov = np.cov(code, y, ddof=1)
                scores[i, j] = cov[0, 1] ** 2 / (cov[0, 0] * cov[1, 1]) if cov[0, 0] > 1e-12 else 0.0
    ranked = np.sort(scores, axis=0)
    return float(np.mean(ranked[-1] - ranked[-2]))


def disentanglement_scores(codes: np.ndarray, factors: dict[str, np.ndarray], seed: int = 0) -> DisentanglementScores:
    """MIG, DCI and SAP of codes float (N, d) against factors (name -> numeric (N,), none constant).

    Needs d >= 2 (MIG and SAP compare the two best dimensions) and N >= 30; the caller checks both
    (see `usable_factors`). Deterministic for a seed.
    """
    names = tuple(factors)
    values = np.stack([np.asarray(factors[name]) for name in names], axis=1)
    discrete = [is_discrete(values[:, j]) for j in range(len(names))]
    classes = np.stack([factor_classes(values[:, j], discrete[j]) for j in range(len(names))], axis=1)
    codes = np.asarray(codes, dtype=np.float64)
    order = np.random.default_rng(seed).permutation(len(codes))
    cut = int(round(len(codes) * TRAIN_SHARE))
    train, test = order[:cut], order[cut:]
    importances, informativeness = importance_matrix(codes, classes, train, test, seed)
    return DisentanglementScores(
        factor_names=names,
        mig=mig(codes, classes),
        dci_disentanglement=weighted_specificity(importances),
        dci_completeness=weighted_specificity(importances.T),
        dci_informativeness=informativeness,
        sap=sap(codes, values.astype(np.float64), discrete, train, test),
    )


def is_discrete(values: np.ndarray) -> bool:
    return np.issubdtype(values.dtype, np.integer) or values.dtype == bool


AMBIGUOUS = {
    "rotation": "rotation is left out: it is not one value per image (a circle has none, a square repeats every "
    "90 degrees), so no code could score on it; the shapes readout measures it on reconstructions instead"
}


def usable_factors(factors: dict[str, np.ndarray], latent_dim: int) -> tuple[dict[str, np.ndarray], list[str]]:
    """The factors the scores can use, and a sentence for each one left out (or why none can be scored).

    Left out: non-numeric and constant factors, and a shapes dataset's rotation (see AMBIGUOUS).
    None is scored for fewer than MIN_IMAGES images or a one-dimensional code.
    """
    kept, notes = {}, []
    n = min((len(v) for v in factors.values()), default=0)
    if latent_dim < 2:
        return {}, ["Disentanglement needs at least 2 latent dimensions to compare."]
    if n < MIN_IMAGES:
        return {}, [f"Disentanglement needs at least {MIN_IMAGES} images with known factors, not {n}."]
    for name, values in factors.items():
        values = np.asarray(values)
        if name in AMBIGUOUS and "shape" in factors:
            notes.append(f"Factor '{name}': {AMBIGUOUS[name]}.")
        elif not (np.issubdtype(values.dtype, np.number) or values.dtype == bool):
            notes.append(f"Factor '{name}' is left out: its values are not numbers.")
        elif not np.isfinite(values.astype(np.float64)).all():
            notes.append(f"Factor '{name}' is left out: it has missing or infinite values.")
        elif np.ptp(values.astype(np.float64)) == 0:
            notes.append(f"Factor '{name}' is left out: it has the same value on every image.")
        else:
            kept[name] = values
    return kept, notes
