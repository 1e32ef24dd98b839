"""Demo disclosure notices: a dozen in every category, as a city bureau publishes them (idempotent by title)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from ecobrain.audit.changelog import change_actor
from ecobrain.portal.choices import NoticeCategory, NoticeStatus
from ecobrain.portal.models import Notice

# (category, title, document number, summary, body, days ago; None = a draft)
DEMO_NOTICES = [
    (
        NoticeCategory.EIA,
        "咸阳市某热电有限公司燃煤机组超低排放改造项目环境影响报告书受理公示",
        "",
        "依据《环境影响评价公众参与办法》，现对该项目环境影响报告书受理情况予以公示。",
        "项目名称：燃煤机组超低排放改造项目\n建设地点：咸阳市秦都区\n\n"
        "公示期间，公众可通过信函、电子邮件等方式提出意见。\n\n"
        "公示期限：自公示之日起 10 个工作日。\n\n"
        "报告书全文及公众参与说明可在生态环境部建设项目环评信息公开平台查阅：https://www.mee.gov.cn/",
        2,
    ),
    (
        NoticeCategory.EIA,
        "关于渭河沿岸生态修复工程环境影响报告表拟作出审批意见的公示",
        "咸环评公示〔2026〕31号",
        "我局拟对渭河沿岸生态修复工程环境影响报告表作出审批意见，现予公示。",
        "建设单位：咸阳市渭河综合治理项目办公室\n建设地点：渭城区、秦都区渭河沿岸\n\n"
        "主要环境影响及预防或者减轻不良环境影响的对策和措施详见报告表。\n\n"
        "公示期为 5 个工作日，公示期间如有意见，请以书面形式向我局反映。",
        6,
    ),
    (
        NoticeCategory.PENALTY,
        "咸阳某建材有限公司超标排放大气污染物行政处罚决定书",
        "咸环罚〔2026〕58号",
        "该公司颗粒物排放浓度超过国家排放标准，依法处以罚款并责令改正。",
        "当事人：咸阳某建材有限公司\n统一社会信用代码：916104XXXXXXXXXXXX\n\n"
        "违法事实：2026年10月12日，我局执法人员对该公司进行现场检查，经监测，其窑尾排放口颗粒物排放浓度"
        "超过《水泥工业大气污染物排放标准》（GB 4915-2013）规定的限值。\n\n"
        "处罚依据：《中华人民共和国大气污染防治法》第九十九条第（二）项。\n\n"
        "处罚决定：责令改正违法行为，处罚款人民币贰拾万元整。",
        3,
    ),
    (
        NoticeCategory.PENALTY,
        "兴平市某化工企业未按规定运行自动监测设备行政处罚信息",
        "咸环罚〔2026〕55号",
        "",
        "违法事实：该企业废水总排口化学需氧量自动监测设备未保持正常运行，数据传输中断超过 72 小时且未报告。\n\n"
        "处罚依据：《中华人民共和国水污染防治法》第八十二条第（二）项。\n\n"
        "处罚决定：责令限期改正，处罚款人民币捌万元整。",
        12,
    ),
    (
        NoticeCategory.PERMIT,
        "2026年11月排污许可证核发情况公告",
        "",
        "本月核发、变更、延续排污许可证共 23 件。",
        "根据《排污许可管理条例》，现将 2026年11月排污许可证核发情况公告如下：\n\n"
        "核发 14 件，变更 6 件，延续 3 件，注销 2 件。\n\n"
        "许可证信息可在全国排污许可证管理信息平台查询：https://permit.mee.gov.cn/",
        1,
    ),
    (
        NoticeCategory.PERMIT,
        "关于咸阳市某医院辐射安全许可证延续的公告",
        "咸环辐〔2026〕9号",
        "",
        "经审查，该医院使用 Ⅲ 类射线装置的辐射安全与防护措施符合要求，准予延续辐射安全许可证，有效期五年。",
        20,
    ),
    (
        NoticeCategory.BULLETIN,
        "2026年10月咸阳市环境空气质量状况",
        "",
        "10月全市优良天数比例 80.6%，PM2.5 平均浓度 38 微克/立方米。",
        "2026年10月，全市环境空气质量优良天数 25 天，优良天数比例 80.6%，同比上升 3.2 个百分点。\n\n"
        "细颗粒物（PM2.5）平均浓度 38 微克/立方米，可吸入颗粒物（PM10）平均浓度 71 微克/立方米。\n\n"
        "评价依据《环境空气质量标准》（GB 3095-2012）和《环境空气质量评价技术规范（试行）》（HJ 663）。",
        25,
    ),
    (
        NoticeCategory.BULLETIN,
        "2026年第三季度咸阳市地表水环境质量状况",
        "",
        "国、省控断面水质优良（Ⅰ—Ⅲ类）比例 85.7%，无劣Ⅴ类断面。",
        "2026年第三季度，全市国、省控监测断面中，Ⅰ—Ⅲ类水质断面占 85.7%，Ⅳ类占 14.3%，无劣Ⅴ类断面。\n\n"
        "主要超标项目为化学需氧量和总磷。",
        40,
    ),
    (
        NoticeCategory.NOTICE,
        "关于启动重污染天气黄色预警的通知",
        "咸重污办〔2026〕7号",
        "预计未来三天我市将出现中至重度污染过程，自即日 20 时起启动黄色预警。",
        "各区县人民政府、市级各有关部门：\n\n"
        "根据气象和环境监测部门会商结果，受不利气象条件影响，预计我市将出现一次中至重度污染过程。"
        "市重污染天气应急指挥部决定自即日 20 时起启动重污染天气黄色预警（Ⅲ级），请按应急预案落实各项减排措施。\n\n"
        "儿童、老年人及心脏病、呼吸系统疾病患者应减少户外活动。",
        4,
    ),
    (
        NoticeCategory.NOTICE,
        "2026年“六五环境日”主题宣传活动公告",
        "",
        "",
        "为深入宣传习近平生态文明思想，我局将于 6 月 5 日在市民广场举办“六五环境日”主题宣传活动，欢迎市民参加。",
        180,
    ),
    (
        NoticeCategory.POLICY,
        "咸阳市大气污染防治条例（2026年修订）",
        "",
        "条例经市人大常委会审议通过，自2026年3月1日起施行。",
        "第一章 总则\n\n第一条 为了保护和改善大气环境，防治大气污染，保障公众健康，推进生态文明建设，"
        "根据《中华人民共和国大气污染防治法》等法律法规，结合本市实际，制定本条例。\n\n"
        "（全文略）",
        270,
    ),
    (
        NoticeCategory.BULLETIN,
        "2026年11月咸阳市环境空气质量状况",
        "",
        "",
        "草稿：数据审核完成后发布。",
        None,
    ),
]


def load_demo_notices() -> dict[str, int]:
    """Create the demo notices that are missing (by title); published ones get a publication time days ago."""
    now = timezone.now()
    created = 0
    existing = set(Notice.objects.filter(title__in=[n[1] for n in DEMO_NOTICES]).values_list("title", flat=True))
    with change_actor(None, source="demo"):
        for category, title, number, summary, body, days_ago in DEMO_NOTICES:
            if title in existing:
                continue
            published = days_ago is not None
            Notice.objects.create(
                category=category,
                title=title,
                document_number=number,
                summary=summary,
                body=body,
                status=NoticeStatus.PUBLISHED if published else NoticeStatus.DRAFT,
                published_at=now - timedelta(days=days_ago) if published else None,
            )
            created += 1
    if created:
        from ecobrain.portal.caching import bump_generation

        bump_generation()
    return {"notices": Notice.objects.count(), "created": created}
