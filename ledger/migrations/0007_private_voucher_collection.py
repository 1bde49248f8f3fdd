"""Vouchers move to a private collection only the finance group may open, and existing ones are sealed.

Entries already recorded keep their hash (voucher_sha256 stays empty and is left out of it);
their vouchers' SHA-256 is recorded in VoucherSeal now, so a later swap still shows in ledger_verify.
"""

import hashlib

from django.db import migrations

VOUCHER_COLLECTION = "财务凭证"
FINANCE_GROUP = "财务"
GROUPS = "groups"  # CollectionViewRestriction.GROUPS


def _permission(apps, codename, name, app_label="wagtaildocs", model="document"):
    ContentType = apps.get_model("contenttypes.ContentType")
    Permission = apps.get_model("auth.Permission")
    content_type, _ = ContentType.objects.get_or_create(app_label=app_label, model=model)
    permission, _ = Permission.objects.get_or_create(
        content_type=content_type, codename=codename, defaults={"name": name}
    )
    return permission


def _file_sha256(document):
    digest = hashlib.sha256()
    try:
        with document.file.open("rb") as handle:
            for block in iter(lambda: handle.read(1 << 16), b""):
                digest.update(block)
    except (FileNotFoundError, OSError, ValueError):
        return None
    return digest.hexdigest()


def create_private_collection(apps, schema_editor):
    Collection = apps.get_model("wagtailcore.Collection")
    CollectionViewRestriction = apps.get_model("wagtailcore.CollectionViewRestriction")
    GroupCollectionPermission = apps.get_model("wagtailcore.GroupCollectionPermission")
    Group = apps.get_model("auth.Group")
    Document = apps.get_model("wagtaildocs.Document")
    LedgerEntry = apps.get_model("ledger.LedgerEntry")
    VoucherSeal = apps.get_model("ledger.VoucherSeal")

    root = Collection.objects.filter(depth=1).first()
    if root is None:
        return
    private = Collection.objects.filter(name=VOUCHER_COLLECTION, depth=2).first()
    if private is None:
        # Treebeard's API is not available on historical models: place the child by hand.
        last = Collection.objects.filter(depth=2).order_by("-path").first()
        step = int(last.path[-4:], 36) + 1 if last else 1
        path = root.path + _base36(step).rjust(4, "0")
        private = Collection.objects.create(name=VOUCHER_COLLECTION, path=path, depth=2, numchild=0)
        Collection.objects.filter(pk=root.pk).update(numchild=root.numchild + 1)
    group, _ = Group.objects.get_or_create(name=FINANCE_GROUP)
    restriction, _ = CollectionViewRestriction.objects.get_or_create(
        collection=private, defaults={"restriction_type": GROUPS, "password": ""}
    )
    restriction.groups.add(group)
    # Finance uploads go to the private collection: that is the only place they may add documents.
    add = _permission(apps, "add_document", "Can add document")
    GroupCollectionPermission.objects.filter(group=group, permission=add).exclude(collection=private).delete()
    for codename, name in [("add_document", "Can add document"), ("choose_document", "Can choose document")]:
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=private, permission=_permission(apps, codename, name)
        )
    # Finance sees sealed vouchers and sets their redacted public copy.
    for codename, name in [("view_voucherseal", "Can view 封存凭证"), ("publish_voucherseal", "Can publish a redacted copy of 封存凭证")]:
        group.permissions.add(_permission(apps, codename, name, "ledger", "voucherseal"))
    voucher_ids = set(LedgerEntry.objects.exclude(voucher=None).values_list("voucher_id", flat=True))
    Document.objects.filter(pk__in=voucher_ids).update(collection=private)
    for document in Document.objects.filter(pk__in=voucher_ids):
        sha256 = _file_sha256(document)
        if sha256 and not VoucherSeal.objects.filter(document=document).exists():
            VoucherSeal.objects.create(document=document, sha256=sha256)


def _base36(number):
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


def keep(apps, schema_editor):
    """Reversing leaves the collection and seals: un-sealing vouchers is not something to undo into."""


class Migration(migrations.Migration):
    dependencies = [
        ("ledger", "0006_voucher_seal"),
        ("wagtailcore", "0066_collection_management_permissions"),
    ]

    operations = [migrations.RunPython(create_private_collection, keep)]
