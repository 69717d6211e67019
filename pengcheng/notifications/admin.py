from django.contrib import admin

from pengcheng.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "recipient", "address", "subject", "status", "read_at"]
    list_filter = ["channel", "status", "category"]
    search_fields = ["subject", "address", "recipient__username"]
    raw_id_fields = ["recipient"]
