"""Support staff: payments, refunds (a failed refund is visible here and can be retried) and
payouts, read-only apart from the retry action."""

from django.contrib import admin, messages

from peerlearn_core.exceptions import DomainError

from . import services
from .models import Payment, Payout, Refund, RefundStatus


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["id", "booking", "learner", "amount_paise", "status", "razorpay_order_id"]
    list_filter = ["status"]
    search_fields = ["razorpay_order_id", "razorpay_payment_id", "learner__email"]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = [
        "id",
        "booking",
        "amount_paise",
        "reason",
        "status",
        "razorpay_id",
        "failure_reason",
        "last_error",
        "created_at",
    ]
    list_filter = ["status", "reason"]
    search_fields = ["razorpay_id", "payment__razorpay_payment_id", "booking__learner__email"]
    actions = ["retry"]

    @admin.action(description="Retry the selected failed refunds")
    def retry(self, request, queryset):
        done = 0
        for refund in queryset.filter(status=RefundStatus.FAILED):
            try:
                services.retry_refund(refund_id=refund.pk)
                done += 1
            except DomainError as exc:
                self.message_user(request, f"Refund {refund.pk}: {exc.detail}", messages.ERROR)
        self.message_user(request, f"{done} refund(s) sent again.")


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdmin):
    list_display = ["id", "mentor", "amount_paise", "upi_id", "status", "razorpay_id", "created_at"]
    list_filter = ["status"]
    search_fields = ["razorpay_id", "mentor__email", "upi_id"]
