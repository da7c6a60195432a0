"""The ordered logit's likelihood: statsmodels' ``OrderedModel`` with frequency weights
and its score and Hessian in closed form.

:func:`analytics.drivers.ordinal.ordinal_logit` fits it on standardised drivers. The
thresholds are statsmodels': the first cut point, then log-increments; the
derivatives are taken with respect to the actual cut points and carried to that
parameterisation through :meth:`WeightedOrderedLogit.cut_jacobian`.
"""

from __future__ import annotations

import numpy as np
from scipy import special
from statsmodels.miscmodels.ordinal_model import OrderedModel


class WeightedOrderedLogit(OrderedModel):
    """OrderedModel (logit) with frequency weights and an analytic score and Hessian.

    statsmodels differentiates the log-likelihood numerically: about 2k passes over
    the data per gradient and 4k² for the Hessian. In closed form a million-row fit
    takes one pass per gradient, and the errors are exact.
    """

    def __init__(self, endog: np.ndarray, exog: np.ndarray, freq: np.ndarray | None) -> None:
        super().__init__(endog, exog, distr="logit")
        self.freq = np.ones(len(endog)) if freq is None else freq
        self.rows = [np.flatnonzero(self.endog == c) for c in range(self.k_levels)]

    def cdf(self, x: np.ndarray) -> np.ndarray:
        return special.expit(x)

    def pdf(self, x: np.ndarray) -> np.ndarray:
        p = special.expit(x)
        return p * (1.0 - p)

    def loglikeobs(self, params: np.ndarray) -> np.ndarray:
        return self.freq * super().loglikeobs(params)

    def _terms(self, params: np.ndarray) -> tuple[np.ndarray, ...]:
        """Per row: F and f at the lower and upper bound, and the row's probability."""
        low, upp = self._bounds(params)
        cdf_low, cdf_upp = special.expit(low), special.expit(upp)
        prob = cdf_upp - cdf_low + 1e-20  # the same guard as loglikeobs
        return cdf_low, cdf_upp, cdf_low * (1 - cdf_low), cdf_upp * (1 - cdf_upp), prob

    def _by_cut(self, upper: np.ndarray, lower: np.ndarray) -> np.ndarray:
        """Sum per cut j of ``upper`` over rows in category j, ``lower`` over j + 1."""
        k = self.k_levels
        return (
            np.bincount(self.endog, upper, minlength=k)[:-1]
            + np.bincount(self.endog, lower, minlength=k)[1:]
        )

    def cut_jacobian(self, params: np.ndarray) -> np.ndarray:
        """d cut / d raw: cut_j = a_1 + sum_{m=2..j} exp(a_m) (statsmodels' thresholds)."""
        raw = params[self.k_vars :]
        jac = np.tril(np.ones((len(raw), len(raw))))
        jac[:, 1:] *= np.exp(raw[1:])
        return jac

    def score_actual(self, params: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Gradient with respect to the coefficients and the actual cut points."""
        _, _, f_low, f_upp, prob = self._terms(params)
        a, b = self.freq * f_upp / prob, self.freq * f_low / prob
        return -self.exog.T @ (a - b), self._by_cut(a, -b)

    def score(self, params: np.ndarray) -> np.ndarray:
        g_beta, g_cut = self.score_actual(params)
        return np.concatenate((g_beta, g_cut @ self.cut_jacobian(params)))

    def hessian_actual(self, params: np.ndarray) -> np.ndarray:
        """Hessian with respect to the coefficients and the actual cut points."""
        cdf_low, cdf_upp, f_low, f_upp, prob = self._terms(params)
        a, b, w = f_upp / prob, f_low / prob, self.freq
        # second derivatives of log(F(u) - F(l)) in the bounds u and l; f' = f (1 - 2F)
        h_uu = w * (f_upp * (1 - 2 * cdf_upp) / prob - a * a)
        h_ll = w * (-f_low * (1 - 2 * cdf_low) / prob - b * b)
        h_ul = w * a * b
        x = self.exog
        # u = cut_c - x'beta and l = cut_{c-1} - x'beta
        h_xx = x.T @ (x * (h_uu + 2 * h_ul + h_ll)[:, None])
        eu, el = -(h_uu + h_ul), -(h_ul + h_ll)
        h_xc = np.column_stack(
            [
                x[self.rows[j]].T @ eu[self.rows[j]] + x[self.rows[j + 1]].T @ el[self.rows[j + 1]]
                for j in range(self.k_levels - 1)
            ]
        )
        h_cc = np.diag(self._by_cut(h_uu, h_ll))
        off = np.bincount(self.endog, h_ul, minlength=self.k_levels)[1:-1]
        h_cc += np.diag(off, 1) + np.diag(off, -1)
        return np.block([[h_xx, h_xc], [h_xc.T, h_cc]])

    def hessian(self, params: np.ndarray) -> np.ndarray:
        h, k = self.hessian_actual(params), self.k_vars
        jac = np.eye(len(params))
        jac[k:, k:] = self.cut_jacobian(params)
        _, g_cut = self.score_actual(params)
        # curvature of the exp transform itself: d2 cut_j / d a_m^2 = exp(a_m), m >= 2
        curve = np.cumsum(g_cut[::-1])[::-1] * np.concatenate(([0.0], np.exp(params[k + 1 :])))
        return jac.T @ h @ jac + np.diag(np.concatenate((np.zeros(k), curve)))
