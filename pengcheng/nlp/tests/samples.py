"""Small hand-written ticket texts for the classifier tests (three departments, three types)."""

NOISE = [
    ("{place}晚上十点以后还有工地施工，噪音很大，影响休息。", "complaint", "STHJJ", "0301"),
    ("{place}酒吧音响声音太大，半夜吵得睡不着。", "complaint", "STHJJ", "0301"),
    ("{place}附近广场舞音响太吵，希望管一管噪音。", "complaint", "STHJJ", "0301"),
    ("{place}有工厂排放黑烟和刺鼻气味，空气污染严重。", "complaint", "STHJJ", "0301"),
]
ROADS = [
    ("{place}的路灯坏了好几天，晚上很黑，请尽快维修。", "help", "CGJ", "0102"),
    ("{place}路面有个大坑，电动车经过很危险，请修补道路。", "help", "CGJ", "0102"),
    ("{place}井盖丢失，行人容易掉下去，请尽快处理。", "help", "CGJ", "0102"),
    ("{place}垃圾桶满了没人清运，臭味很大，请安排环卫。", "help", "CGJ", "0102"),
]
SOCIAL = [
    ("请问{place}的社保卡丢了怎么补办，需要带什么材料？", "consultation", "RSJ", "0501"),
    ("咨询一下{place}灵活就业人员怎么缴纳养老保险？", "consultation", "RSJ", "0501"),
    ("请问在{place}办理退休手续需要哪些证件？", "consultation", "RSJ", "0501"),
    ("想了解{place}失业保险金怎么申领，每月能领多少？", "consultation", "RSJ", "0501"),
]
PLACES = ["福田区", "南山区", "罗湖区", "宝安区", "龙岗区"]


def rows() -> list[tuple[str, str, str, str]]:
    """(text, type, department suffix, category prefix) × five places."""
    return [
        (template.format(place=place), kind, department, category)
        for group in (NOISE, ROADS, SOCIAL)
        for template, kind, department, category in group
        for place in PLACES
    ]
