from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class JobRun(models.Model):
    """One run of a periodic job for one period (a day, a week): the ledger that makes
    jobs idempotent, since a period that already succeeded is not run again."""

    job_name = models.CharField(max_length=200)
    period_key = models.CharField(max_length=64)
    status = models.CharField(max_length=20, choices=JobStatus.choices, default=JobStatus.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("job run")
        constraints = [
            models.UniqueConstraint(fields=["job_name", "period_key"], name="job_run_unique_period")
        ]

    def __str__(self) -> str:
        return f"{self.job_name} [{self.period_key}] {self.status}"
