"""The finance form: what staff may record by hand (approvals, disbursements, corrections)."""

from wagtail.admin.forms import WagtailAdminModelForm

from ledger.models import EntryKind

FINANCE_KINDS = (EntryKind.GRANT_APPROVAL, EntryKind.DISBURSEMENT, EntryKind.CORRECTION)


class LedgerEntryForm(WagtailAdminModelForm):
    """Donations and refunds arrive from the donations app; staff record the rest here."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind.value, kind.label) for kind in FINANCE_KINDS]
        self.fields["reverses"].help_text = "仅更正记录填写：选择要冲销的原记录，金额须与原记录相同，并在摘要中写明原因。"
        self.fields["voucher"].help_text = (
            "可选：上传拨付凭证、批复文件等（PDF）。登记后凭证即封存：存入“财务凭证”集合，仅财务可查看，"
            "文件不可替换或删除；公众只看到它的 SHA-256。需要公开时，另传一份脱敏副本并在“封存凭证”中设为公开。"
        )
