"""Demo campaigns: a fund-wide one and the project campaigns the reports mention. No donations are invented."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from donations.models import CampaignPage

# Values no report states: shown on the page as placeholders to be replaced in the admin, never as facts.
PLACEHOLDER_QUALIFICATION = "【演示】请在后台填写慈善组织公开募捐资格证书的名称与编号"
# A campaign cannot be published without a filing number; the reports give none, so the demo's are marked as demo.
DEMO_FILING_PREFIX = "演示-备案编号-"
FUND_WIDE_GOAL = Decimal("100000.00")


def load(context, stdout):
    """Create the campaigns once; loading again changes nothing."""
    home, projects, facts = context["home"], context["projects"], context["facts"]
    created = []
    created += _campaign(
        home, slug="donate", title=f"支持{facts['fund']['name']}",
        intro="【演示募捐活动】您的捐赠进入专项基金，用于基金宗旨所列的志愿服务项目，每一笔收支在本站资金账本公开。",
        goal=FUND_WIDE_GOAL, starts_on=timezone.localdate(), ends_on=None,
    )
    for report in facts["reports"]:
        for item in report["projects"]:
            campaign = item.get("campaign")
            project = projects.get(item["name"])
            if not campaign or project is None or campaign.get("platform"):
                continue  # campaigns run on another platform are reported there, not re-run here
            created += _project_campaign(project, item, campaign, report)
    context["campaigns"] = {c.slug: c for c in CampaignPage.objects.all()}
    stdout.write(f"募捐：新建 {len(created)} 个募捐活动（演示，无捐赠记录）。")


def _project_campaign(project, item, campaign, report):
    ends_on = date.fromisoformat(campaign["ends_on"]) if campaign.get("ends_on") else None
    goal = Decimal(campaign["goal"]) if campaign.get("goal") else FUND_WIDE_GOAL
    body = ""
    if campaign.get("raised_to_date"):
        body = (f"<p>据《{report['title']}》，截至报告期该项目已筹得 {Decimal(campaign['raised_to_date']):,.2f} 元"
                "（不含本站在线捐赠）。</p>")
    if not campaign.get("goal"):
        body += "<p>【演示】报告未载明募捐目标，此处目标金额为演示值。</p>"
    starts_on = min(timezone.localdate(), ends_on) if ends_on else timezone.localdate()
    return _campaign(project, slug="donate", title=f"为{item['name']}捐款", intro=item["summary"], body=body,
                     goal=goal, starts_on=starts_on, ends_on=ends_on)


def _campaign(parent, *, slug, title, intro, goal, starts_on, ends_on, body=""):
    if CampaignPage.objects.child_of(parent).filter(slug=slug).exists():
        return []
    page = parent.add_child(instance=CampaignPage(
        title=title, slug=slug, intro=intro, body=body, goal=goal, starts_on=starts_on, ends_on=ends_on,
        qualification=PLACEHOLDER_QUALIFICATION, filing_number=f"{DEMO_FILING_PREFIX}{CampaignPage.objects.count() + 1:03d}",
        receiving_method="本站在线捐赠（支付宝、微信支付），善款直接进入募捐主体的账户；演示环境使用支付沙箱，不产生真实扣款。",
    ))
    page.save_revision().publish()
    return [page]
