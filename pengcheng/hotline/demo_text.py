"""What synthetic tickets say, and what the departments reply: hand-written phrases per topic.

A topic is one leaf of the Teddy Cup 2020 category tree (the tree the demo loads) with a few
subjects, problem descriptions, a consultation question and what a department typically does about
it. The ticket's text is built from its topic, its request type (a complaint demands, a
consultation asks, a suggestion proposes …) and its place (district and community), so that the
text carries the signals a classifier learns from, as real tickets do. Replies refer to the request,
say what was done and when; a minority are deliberately weak (short, generic), as some real ones are.
Everything is drawn from the ticket's own seeded generator, so the demo stays deterministic.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from pengcheng.hotline.models import RequestType

# Type profiles: how often each request type occurs for a topic of that kind. Over all topics they
# give about 41% complaints, 24% requests for help, 20% consultations, 7% suggestions, 6% reports
# and 2% praise, the usual shape of a city hotline.
NUISANCE = {"complaint": 50, "help": 25, "consultation": 10, "suggestion": 10, "report": 3, "praise": 2}
SERVICE = {"consultation": 50, "help": 25, "complaint": 17, "suggestion": 5, "report": 1, "praise": 3}
WRONGDOING = {"complaint": 45, "report": 20, "help": 20, "consultation": 10, "suggestion": 3, "praise": 2}


@dataclass(frozen=True)
class Topic:
    path: str  # first / second / third level of the category tree
    weight: int  # relative frequency
    profile: dict[str, int]
    subjects: tuple[str, ...]  # short noun phrases for the subject line
    problems: tuple[str, ...]  # what is wrong, with {place}
    question: str  # what a consultation asks
    actions: tuple[str, ...]  # what a department did about it

    @property
    def first_level(self) -> str:
        return self.path.split(" / ")[0]


TOPICS: tuple[Topic, ...] = (
    Topic(
        "城乡建设 / 城市建设和市政管理 / 城市公共设施",
        14,
        NUISANCE,
        ("路灯不亮", "井盖破损", "人行道地砖松动"),
        (
            "{place}一带有几盏路灯连续多日不亮，夜间出行很不安全。",
            "{place}人行道上的井盖破损松动，已有行人绊倒，存在安全隐患。",
            "{place}人行道地砖大面积松动翘起，下雨后一踩就溅水。",
        ),
        "路灯、井盖等市政设施损坏应该向哪个部门报修？一般多久能修好？",
        ("已安排市政养护单位对损坏的路灯和井盖进行维修更换", "已派员现场核查并完成设施修复，后续纳入日常巡查"),
    ),
    Topic(
        "城乡建设 / 城市建设和市政管理 / 园林绿化环卫",
        10,
        NUISANCE,
        ("垃圾清运不及时", "绿化带杂草丛生", "公厕脏乱"),
        (
            "{place}的垃圾桶已满，垃圾堆放数日无人清运，气味难闻，蚊蝇滋生。",
            "{place}路边绿化带长期无人修剪，杂草丛生，树枝遮挡了交通标志。",
            "{place}的公共厕所卫生很差，无人打扫，洗手池也坏了。",
        ),
        "小区门口的大件垃圾和装修垃圾应该如何预约清运？是否收费？",
        ("已督促环卫作业单位清理积存垃圾并增加清运频次", "已安排园林绿化养护单位修剪绿化带并清理杂草"),
    ),
    Topic(
        "城乡建设 / 城市建设和市政管理 / 城管执法",
        9,
        NUISANCE,
        ("商户占道经营", "流动摊贩扰民", "违规户外广告"),
        (
            "{place}有商户长期占用人行道摆放货物经营，行人只能走机动车道。",
            "每天傍晚{place}聚集大量流动摊贩，油烟和叫卖声扰民，还堵塞道路。",
            "{place}沿街商铺私自悬挂大型户外广告牌，摇摇欲坠，非常危险。",
        ),
        "在{place}附近摆摊需要办理什么手续？哪里允许设置临时摊点？",
        ("已安排城管执法队员现场执法，责令商户清理占道物品", "已对流动摊贩进行劝离，并在该路段增加巡查频次"),
    ),
    Topic(
        "城乡建设 / 城乡规划 / 违章建筑",
        6,
        WRONGDOING,
        ("楼顶违章加建", "私搭乱建"),
        (
            "{place}某栋楼业主在楼顶违规加建铁皮房，影响楼体安全和邻居采光。",
            "{place}有人在公共绿地上私自搭建棚屋，占用公共空间。",
        ),
        "自家阳台加装雨棚是否属于违章建筑？需要向哪里申请？",
        ("已组织执法人员现场核查，认定为违法建设并下达限期拆除通知", "已责令当事人停止施工，违建部分已依法拆除"),
    ),
    Topic(
        "城乡建设 / 住房保障与房地产 / 物业服务",
        12,
        NUISANCE,
        ("物业擅自提高停车费", "电梯经常故障", "物业管理不到位"),
        (
            "{place}某小区物业擅自提高停车费，未经业主大会同意，也不公示收支。",
            "{place}某小区电梯一个月坏了三次，物业一直拖着不彻底维修，老人上下楼很困难。",
            "{place}某小区物业服务很差，楼道卫生没人打扫，门禁长期损坏。",
        ),
        "小区更换物业公司需要什么程序？业主大会如何召开？",
        ("已约谈物业服务企业负责人，责令其限期整改并公示收费依据", "已督促物业公司联系电梯维保单位完成检修"),
    ),
    Topic(
        "城乡建设 / 住房保障与房地产 / 住房公积金",
        5,
        SERVICE,
        ("住房公积金提取", "公积金贷款办理"),
        (
            "在{place}工作，申请提取住房公积金被退回多次，理由说不清楚。",
            "办理公积金贷款已经两个月，{place}的经办网点一直说在审核。",
        ),
        "租房提取住房公积金需要准备哪些材料？每年可以提取几次？",
        ("已核实申请材料并完成公积金提取审核", "已协调公积金管理中心加快审核，贷款已于近日发放"),
    ),
    Topic(
        "城乡建设 / 住房保障与房地产 / 保障性住房",
        5,
        SERVICE,
        ("公租房轮候太久", "保障房分配不透明"),
        (
            "申请{place}的公租房已经轮候三年，一直没有消息，家里住房很困难。",
            "{place}的保障性住房分配结果公示不透明，怀疑有人不符合条件。",
        ),
        "非深户人员可以申请公共租赁住房吗？申请条件是什么？",
        ("已核查轮候情况并告知当前排位，符合条件后将通知选房", "已核实分配对象资格，公示名单已补充说明"),
    ),
    Topic(
        "城乡建设 / 住房保障与房地产 / 房屋租赁",
        6,
        NUISANCE,
        ("房东拒不退还押金", "二房东违规转租"),
        (
            "租住{place}的房子到期退租，房东以各种理由拒不退还押金。",
            "{place}有二房东把房子隔成多间转租，消防通道被堵，存在隐患。",
        ),
        "租房合同需要到哪里备案？备案后有什么用？",
        ("已联系房东进行调解，双方已就押金退还达成一致", "已会同街道对违规分租房屋进行检查并责令整改"),
    ),
    Topic(
        "城乡建设 / 安全生产 / 安全隐患",
        5,
        NUISANCE,
        ("工地围挡倒塌隐患", "燃气管道老化"),
        (
            "{place}工地的围挡歪斜，大风天随时可能倒向人行道，存在严重安全隐患。",
            "{place}某老旧小区燃气管道锈蚀老化，经常闻到燃气味，居民很担心。",
        ),
        "发现燃气泄漏或者安全隐患应该打什么电话？",
        ("已组织安全检查，责令施工单位加固围挡", "已通知燃气公司上门检测并更换老化管道"),
    ),
    Topic(
        "城乡建设 / 建筑市场 / 拖欠工程款",
        3,
        WRONGDOING,
        ("拖欠工程款",),
        ("我们班组在{place}的工地干完活半年，总包单位一直拖欠工程款不结算。",),
        "工程款被拖欠应该通过什么途径追讨？",
        ("已约谈建设单位和总包单位，督促其制定付款计划", "已协调各方核对工程量，首笔款项已支付"),
    ),
    Topic(
        "环境保护 / 环境污染 / 噪音污染",
        14,
        NUISANCE,
        ("夜间施工噪音扰民", "酒吧噪音扰民", "广场舞噪音"),
        (
            "{place}附近工地夜间持续施工到凌晨，机器轰鸣，噪音很大，影响居民休息。",
            "{place}有一家酒吧每天营业到深夜，音响声音很大，附近居民无法入睡。",
            "每天晚上{place}的广场舞音响开得很大，一直持续到十点以后。",
        ),
        "夜间施工是否需要办理许可？噪音超过多少分贝算扰民？",
        ("已派执法人员夜间现场检查，对违规夜间施工单位立案处罚", "已现场监测噪音，责令经营者降低音量并加装隔音设施"),
    ),
    Topic(
        "环境保护 / 环境污染 / 大气污染",
        7,
        NUISANCE,
        ("工厂排放废气", "餐饮油烟扰民"),
        (
            "{place}附近一家工厂经常在夜间排放刺鼻废气，居民不敢开窗。",
            "{place}楼下餐馆油烟直排，没有安装油烟净化设备，楼上住户深受其害。",
        ),
        "餐饮店开业需要做环评吗？油烟排放有什么标准？",
        ("已对该企业开展废气排放检查并责令停产整改", "已责令餐饮店安装油烟净化设施并定期清洗"),
    ),
    Topic(
        "环境保护 / 环境污染 / 水污染",
        5,
        NUISANCE,
        ("河道发黑发臭", "偷排污水"),
        (
            "{place}旁边的河道近期发黑发臭，水面漂浮垃圾。",
            "{place}有洗车店把污水直接排进雨水管网，流入河道。",
        ),
        "发现企业偷排污水可以向哪里举报？有奖励吗？",
        ("已对河道排口进行排查，封堵了违规排污口", "已对偷排污水的商户立案查处并督促整改"),
    ),
    Topic(
        "劳动和社会保障 / 劳动关系 / 劳动合同纠纷",
        8,
        WRONGDOING,
        ("公司不签劳动合同", "被公司违法辞退"),
        (
            "我在{place}一家公司上班半年，公司一直不和我签劳动合同。",
            "我在{place}的公司突然被辞退，公司不给任何经济补偿。",
        ),
        "公司不签劳动合同可以要求双倍工资吗？怎么申请劳动仲裁？",
        ("已到用人单位调查，责令其与劳动者补签劳动合同", "已组织劳资双方调解，公司同意支付经济补偿"),
    ),
    Topic(
        "劳动和社会保障 / 工资福利 / 工资发放",
        9,
        WRONGDOING,
        ("拖欠工资", "加班费不发"),
        (
            "{place}某工厂已经拖欠我们二十多名工人三个月的工资。",
            "在{place}的公司长期加班，公司从来不发加班费。",
        ),
        "被拖欠工资应该找哪个部门？需要准备什么证据？",
        ("已立案调查，责令用人单位限期支付拖欠工资", "已协调企业与工人核对工资，欠薪已全部发放"),
    ),
    Topic(
        "劳动和社会保障 / 城镇职工社会保险 / 职工养老保险",
        8,
        SERVICE,
        ("社保转移办理", "养老保险断缴"),
        (
            "从外地转回{place}工作，养老保险关系转移办了三个月还没办好。",
            "公司在{place}停缴了我的养老保险，我一直不知道。",
        ),
        "养老保险跨省转移需要哪些材料，在哪里办理？",
        ("已核实转移进度并协调转出地加快办理，转移手续已完成", "已责令用人单位为其补缴社会保险"),
    ),
    Topic(
        "劳动和社会保障 / 城镇职工社会保险 / 职工医疗保险",
        6,
        SERVICE,
        ("医保报销", "医保卡无法使用"),
        (
            "在{place}看病后申请医保报销，材料交上去两个月还没有结果。",
            "我的医保卡在{place}的药店突然无法使用，说参保状态异常。",
        ),
        "异地就医医保怎么备案报销？报销比例是多少？",
        ("已完成报销审核，费用已拨付到参保人账户", "已核查参保状态并修正异常信息，医保卡已恢复使用"),
    ),
    Topic(
        "劳动和社会保障 / 就业培训 / 就业和再就业",
        4,
        SERVICE,
        ("失业登记", "就业补贴申领"),
        (
            "在{place}办理失业登记，系统一直提示信息有误，无法提交。",
            "申请了{place}的灵活就业补贴，审核一直没有通过。",
        ),
        "失业金怎么申领？领取期间可以参加职业培训吗？",
        ("已核实个人信息并完成失业登记", "已复核补贴申请材料，补贴已审核通过"),
    ),
    Topic(
        "交通运输 / 出租车管理 / 网约车问题",
        6,
        NUISANCE,
        ("网约车绕路多收费", "出租车拒载"),
        (
            "昨晚从{place}打网约车回家，司机故意绕路，多收了几十元。",
            "在{place}地铁站口打车，出租车司机嫌路程近拒载。",
        ),
        "网约车司机需要办理哪些证件？乘客被多收费怎么投诉？",
        ("已调取行程记录核实情况，平台已退还多收费用并处理司机", "已对涉事司机进行约谈并依法处罚"),
    ),
    Topic(
        "交通运输 / 客货运输 / 旅客运输",
        4,
        NUISANCE,
        ("公交线路调整不便", "公交车不按时发车"),
        (
            "{place}的公交线路调整后，居民去地铁站要多走二十分钟。",
            "{place}站的公交车经常半小时不来一班，早高峰等车的人很多。",
        ),
        "{place}附近有没有直达机场的公交线路？末班车几点？",
        ("已会同公交企业研究线路优化方案，将增加高峰班次", "已督促公交企业加强发车调度，保证准点率"),
    ),
    Topic(
        "交通运输 / 建设管理 / 设施维护",
        5,
        NUISANCE,
        ("道路坑洼破损", "交通标线模糊"),
        (
            "{place}路段路面坑洼不平，电动车经过很容易摔倒。",
            "{place}路口的交通标线已经磨损看不清，经常有车辆逆行。",
        ),
        "道路破损应该由哪个部门负责维修？",
        ("已安排道路养护单位对破损路面进行修补", "已重新施划交通标线并增设提示标志"),
    ),
    Topic(
        "商贸旅游 / 市场监管 / 商品质量",
        6,
        WRONGDOING,
        ("买到假冒伪劣商品", "商家拒绝退换货"),
        (
            "在{place}一家商店买的电器用了两天就坏了，怀疑是假冒产品。",
            "在{place}的商场买的衣服有质量问题，商家拒绝退换。",
        ),
        "网购商品有质量问题，商家不退货怎么维权？",
        ("已对涉事商店进行检查并抽检商品，责令下架不合格产品", "已组织消费纠纷调解，商家同意退货退款"),
    ),
    Topic(
        "商贸旅游 / 市场监管 / 物价监督",
        5,
        WRONGDOING,
        ("价格欺诈", "办卡后随意涨价"),
        (
            "{place}某超市标价和结账价格不一致，多收了钱。",
            "{place}一家理发店办卡时承诺的价格，后来随意上涨。",
        ),
        "商家不明码标价可以向哪里反映？",
        ("已对该超市价格行为进行检查，责令退还多收价款", "已对经营者进行约谈并依法立案查处"),
    ),
    Topic(
        "商贸旅游 / 旅游管理 / 旅游市场管理",
        3,
        NUISANCE,
        ("旅行社强制购物",),
        ("在{place}报名的旅行团行程中被导游强制购物，不买就甩脸色。",),
        "报旅行团需要注意什么？如何查询旅行社资质？",
        ("已约谈涉事旅行社，责令退还游客购物款项", "已对旅行社违规行为立案调查"),
    ),
    Topic(
        "卫生计生 / 食品药品监管 / 食品安全",
        7,
        WRONGDOING,
        ("餐馆卫生差", "超市销售过期食品"),
        (
            "在{place}一家餐馆吃饭后全家腹泻，后厨卫生非常差。",
            "{place}某超市在卖过期的牛奶和面包。",
        ),
        "开小吃店需要办理食品经营许可证吗？在哪里办？",
        ("已对该餐馆后厨进行检查，责令停业整改并抽检食品", "已对超市进行检查，下架过期食品并立案处罚"),
    ),
    Topic(
        "卫生计生 / 医政监管 / 医疗收费",
        4,
        NUISANCE,
        ("医院乱收费", "看病排队时间长"),
        (
            "在{place}的医院住院，清单上有很多没做过的检查项目。",
            "{place}社康中心排队挂号要等两个小时，医生太少。",
        ),
        "社康中心看病可以用医保吗？需要提前预约吗？",
        ("已责成医院核查收费清单，退还多收费用", "已协调社康中心增加门诊医生和预约号源"),
    ),
    Topic(
        "卫生计生 / 公共卫生 / 疾病预防控制",
        3,
        SERVICE,
        ("疫苗接种预约", "蚊虫滋生"),
        (
            "{place}社康中心的疫苗一直预约不上，孩子快超过接种时间了。",
            "{place}积水处蚊子很多，担心有登革热，希望做消杀。",
        ),
        "儿童疫苗接种在哪里预约？需要带什么证件？",
        ("已协调社康中心调配疫苗并安排接种", "已组织开展灭蚊消杀并清理积水"),
    ),
    Topic(
        "教育文体 / 考试招生 / 招生录取",
        6,
        SERVICE,
        ("学位申请", "学区学位紧张"),
        (
            "孩子在{place}申请小学学位，积分够了却被调剂到很远的学校。",
            "{place}学区学位紧张，今年很多孩子上不了家门口的学校。",
        ),
        "非深户孩子在{place}上小学需要哪些材料？积分怎么计算？",
        ("已核查学位申请积分和录取情况，并向家长说明调剂依据", "已协调区教育局研究增加学位供给"),
    ),
    Topic(
        "教育文体 / 教育收费 / 乱收费",
        4,
        WRONGDOING,
        ("学校乱收费", "强制购买教辅"),
        (
            "{place}某学校以兴趣班名义向学生收取额外费用。",
            "{place}某学校老师要求学生统一购买指定教辅资料。",
        ),
        "学校收取午餐费和校服费有什么规定？",
        ("已责令学校停止违规收费并退还费用", "已对学校开展调查并要求停止强制征订教辅"),
    ),
    Topic(
        "教育文体 / 教育行政管理 / 校外机构管理",
        4,
        NUISANCE,
        ("培训机构跑路", "培训机构拒不退费"),
        (
            "孩子在{place}报的培训班突然关门，预交的一万多元学费退不回来。",
            "{place}一家培训机构合同写明可以退费，现在却拒不退款。",
        ),
        "如何查询校外培训机构是否有办学许可？",
        ("已联系培训机构负责人并督促退费，已登记家长退费诉求", "已对培训机构立案调查并冻结预收费监管账户"),
    ),
    Topic(
        "教育文体 / 体育 / 体育事业",
        3,
        SERVICE,
        ("体育场馆开放", "健身器材损坏"),
        (
            "{place}的学校体育场馆说好节假日向社会开放，去了却不让进。",
            "{place}公园的健身器材损坏很久了，没人维修。",
        ),
        "{place}附近的体育馆怎么预约？收费标准是什么？",
        ("已督促场馆落实开放时间并公示预约方式", "已安排维修单位更换损坏的健身器材"),
    ),
    Topic(
        "政法 / 户籍证件 / 户籍管理",
        7,
        SERVICE,
        ("户口迁入办理", "居住证办理"),
        (
            "在{place}派出所办理户口迁入，材料交了几次都说不齐全。",
            "在{place}申请居住证已经一个月，还没有拿到。",
        ),
        "人才引进落户需要哪些材料？可以网上办理吗？",
        ("已核实户籍办理进度，指导申请人补齐材料并完成迁入", "已督促派出所加快办理，居住证已制发"),
    ),
    Topic(
        "政法 / 交通管理 / 交通安全管理",
        7,
        NUISANCE,
        ("车辆乱停乱放", "路口红绿灯时间不合理"),
        (
            "{place}路边车辆乱停乱放，占用消防通道和盲道。",
            "{place}路口红绿灯时间太短，老人过马路来不及。",
        ),
        "违章停车被贴罚单，怎么在网上处理？",
        ("已安排交警加强巡逻，对违停车辆依法处罚", "已对路口信号灯配时进行优化"),
    ),
    Topic(
        "政法 / 社会治安 / 治安案件",
        4,
        WRONGDOING,
        ("电动车被盗", "聚众赌博"),
        (
            "我的电动车停在{place}楼下被偷了，小区没有监控。",
            "{place}一栋出租屋里经常有人聚众赌博，进出人员复杂。",
        ),
        "电动车被盗报警后怎么查询进展？",
        ("已受理报案并调取周边监控开展侦查", "已组织警力核查，对涉赌人员依法处理"),
    ),
    Topic(
        "政法 / 法律服务 / 法律援助",
        3,
        SERVICE,
        ("申请法律援助",),
        ("我在{place}遭遇工伤，公司不赔偿，请不起律师，想申请法律援助。",),
        "申请法律援助需要什么条件？在哪里申请？",
        ("已受理法律援助申请并指派律师提供帮助", "已安排法律援助工作站律师与当事人联系"),
    ),
    Topic(
        "民政 / 社会救助 / 城镇低保",
        4,
        SERVICE,
        ("低保申请", "临时救助"),
        (
            "家住{place}，丈夫重病失去劳动能力，申请低保一直没有批下来。",
            "在{place}突遇变故生活困难，想申请临时救助。",
        ),
        "申请最低生活保障需要什么条件和材料？",
        ("已入户核查家庭经济状况，低保申请已审批通过", "已发放临时救助金并纳入跟踪帮扶"),
    ),
    Topic(
        "民政 / 福利慈善 / 福利事业",
        4,
        SERVICE,
        ("高龄津贴", "养老院收费高"),
        (
            "家里老人住在{place}，满八十岁了，高龄津贴一直没有发放。",
            "{place}的养老院收费不断上涨，服务却跟不上。",
        ),
        "老年人长者饭堂在哪里？有没有用餐补贴？",
        ("已核实老人资格，高龄津贴已补发", "已对养老机构收费和服务开展检查"),
    ),
    Topic(
        "民政 / 社会服务 / 婚姻登记",
        2,
        SERVICE,
        ("婚姻登记预约",),
        ("在{place}婚姻登记处网上预约一直约不上号。",),
        "婚姻登记需要带哪些材料？可以跨区办理吗？",
        ("已增加婚姻登记预约号源", "已协调婚姻登记处为其安排办理"),
    ),
    Topic(
        "经济管理 / 金融财税 / 集资融资",
        3,
        WRONGDOING,
        ("非法集资", "理财公司暴雷"),
        (
            "{place}有一家公司以高息为诱饵向老人集资，疑似非法集资。",
            "在{place}一家理财公司买的产品到期无法兑付，公司已经人去楼空。",
        ),
        "如何辨别非法集资？投资被骗后怎么报案？",
        ("已将线索移交公安机关并开展风险排查", "已会同相关部门对涉事企业开展调查"),
    ),
    Topic(
        "经济管理 / 能源管理 / 能源开发供应",
        3,
        NUISANCE,
        ("频繁停电", "电费异常"),
        (
            "{place}近一周频繁停电，冰箱里的东西都坏了。",
            "{place}某城中村房东按每度电两元收费，远高于规定电价。",
        ),
        "停电检修会提前通知吗？在哪里查询停电计划？",
        ("已协调供电部门排查线路故障并完成抢修", "已责令房东按规定电价收取电费"),
    ),
    Topic(
        "科技与信息产业 / 电信 / 电信资费",
        3,
        NUISANCE,
        ("宽带乱扣费", "手机信号差"),
        (
            "{place}的宽带已经办理销户，运营商还在继续扣费。",
            "{place}小区手机信号很差，在家打电话经常断线。",
        ),
        "携号转网需要什么条件？",
        ("已督促运营商核实扣费记录并退还费用", "已协调运营商加装信号基站"),
    ),
    Topic(
        "党务政务 / 党的建设 / 作风建设",
        2,
        NUISANCE,
        ("政务服务窗口办事难",),
        ("在{place}政务服务中心办事，窗口人员态度冷漠，来回跑了好几趟。",),
        "{place}政务服务中心周末是否开放？可以预约吗？",
        ("已对窗口工作人员进行批评教育并加强服务培训", "已安排专人为其办理业务并回访"),
    ),
    Topic(
        "纪检监察 / 干部作风 / 官僚主义",
        2,
        WRONGDOING,
        ("工作人员推诿扯皮",),
        ("{place}社区工作人员对居民反映的问题推诿扯皮，一直不处理。",),
        "反映干部作风问题有哪些渠道？",
        ("已对相关人员进行约谈提醒，并督促其落实整改", "已对反映的问题开展核查"),
    ),
    Topic(
        "国土资源 / 土地资源管理 / 土地权属纠纷",
        2,
        NUISANCE,
        ("土地权属纠纷",),
        ("{place}村集体和邻村因一块地的权属发生争议，双方都在动工。",),
        "宅基地权属证明在哪里办理？",
        ("已组织双方调解并调查土地权属资料", "已责令双方停止施工，待权属确认后再处理"),
    ),
    Topic(
        "农村农业 / 水利水电 / 防汛抗旱",
        4,
        NUISANCE,
        ("路面积水严重", "排水沟堵塞"),
        (
            "每逢下雨{place}路段积水严重，车辆和行人通行困难。",
            "{place}的排水沟被垃圾堵塞，一下雨就倒灌进商铺。",
        ),
        "台风暴雨期间哪里可以查询防汛预警？",
        ("已安排排水养护单位疏通管网并清理淤积", "已将该积水点纳入内涝整治计划"),
    ),
    Topic(
        "农村农业 / 林业管理 / 森林防火",
        1,
        NUISANCE,
        ("山林烧纸隐患",),
        ("清明期间有人在{place}附近山林烧纸烧香，有火灾隐患。",),
        "森林防火期哪些行为是禁止的？",
        ("已加强山林巡查并设置防火宣传点", "已安排护林员在重点路口值守"),
    ),
)

SPOTS = ("附近", "一带", "路口", "地铁站旁", "菜市场旁", "公交站附近", "小区门口", "")

# How each request type frames the topic: subject lines and closing sentences.
TITLES = {
    "complaint": ("{place}{subject}", "投诉{place}{subject}", "{subject}问题长期得不到解决"),
    "help": ("求助：{subject}", "{place}{subject}，请求帮助", "请帮忙解决{subject}"),
    "report": ("举报{place}{subject}", "实名举报{subject}"),
    "consultation": ("咨询{subject}", "关于{subject}的咨询", "{subject}怎么办理"),
    "suggestion": ("关于{subject}的建议", "建议改善{place}{subject}问题"),
    "praise": ("表扬{place}工作人员", "感谢及时解决{subject}"),
}
CLOSINGS = {
    "complaint": (
        "已经反映多次仍未解决，要求相关部门尽快处理。",
        "严重影响居民生活，请相关部门督促整改。",
        "希望有关部门依法查处，给居民一个说法。",
    ),
    "help": ("本人实在无力解决，恳请帮忙协调。", "请问能否尽快安排人员处理？谢谢。", "希望政府帮帮忙。"),
    "report": ("请相关部门核查并依法处理，举报人愿意配合调查。", "希望尽快查处，不要走漏举报人信息。"),
    "consultation": ("请问具体流程是什么？", "麻烦告知办理地点和电话，谢谢。", ""),
    "suggestion": (
        "建议相关部门加强日常巡查，建立长效机制。",
        "建议在此处增设提示牌并公开监督电话。",
        "建议定期通报处理情况，方便市民监督。",
    ),
    "praise": ("工作人员态度热情、办事高效，特此表扬！", "感谢他们的辛勤付出，为他们点赞！"),
}
MIXED_SHARE = 0.2
PLAIN_TITLE_SHARE = 0.35
# Share of tickets whose text is about a neighbouring topic of the same first level: the category an
# agent chose is arguable, as in real data (the Teddy Cup labels disagree with the text now and then).
ARGUABLE_SHARE = 0.12
OPENINGS = ("我住在{district}{community}，", "本人是{district}居民，", "", "", "")

WEAK_REPLIES = (
    "已转相关部门处理。",
    "经核查，已处理。",
    "已知悉，感谢来电。",
    "该问题不属于我单位职责范围。",
    "已安排处理，请耐心等待。",
)
WEAK_SHARE = 0.12
DEMAND_ANSWERS = (
    "我们已按程序处理，并将处理结果记录在案。",
    "我们已依法依规处理，处理结果如上。",
    "我们已责成责任单位落实，并将跟踪整改情况。",
)
PHONES = ("0755-12345", "0755-83208000", "0755-88101234", "0755-25666000")


@dataclass(frozen=True)
class Text:
    topic: Topic
    subject: str
    title: str
    description: str
    place: str
    district: str
    problem: str  # the problem as the caller put it
    demand: str  # what the caller asked for (the closing sentence), or ""
    index: int  # which of the topic's subjects


def generic_topic(path: str) -> Topic:
    """A plain topic for a leaf no hand-written topic covers (e.g. the fallback tree)."""
    name = path.rsplit(" / ", 1)[-1]
    return Topic(
        path,
        1,
        NUISANCE,
        (f"{name}问题",),
        (f"{{place}}存在{name}方面的问题，已经持续一段时间，影响周边居民。",),
        f"关于{name}，需要办理什么手续？到哪里办理？",
        (f"已派员对{name}问题进行现场核查并督促责任单位整改", f"已协调相关单位处理{name}问题"),
    )


def pick_type(rng: random.Random, topic: Topic) -> str:
    kinds = list(topic.profile)
    return rng.choices(kinds, weights=[topic.profile[k] for k in kinds])[0]


def compose(
    rng: random.Random, topic: Topic, request_type: str, district: str, community: str, aside: str = ""
) -> Text:
    """The subject line and description of one ticket about ``topic`` in a community; ``aside`` (e.g. how
    long it has lasted) follows the problem."""
    index = rng.randrange(len(topic.subjects))
    subject = topic.subjects[index]
    problem = topic.problems[min(index, len(topic.problems) - 1)]
    short = community.removesuffix("社区")
    place = rng.choice(
        (f"{district}{community}", f"{short}{rng.choice(SPOTS)}", f"{district}{short}{rng.choice(SPOTS)}")
    )
    opening = rng.choice(OPENINGS).format(district=district, community=community)
    # Callers do not follow the types' patterns strictly: some close the way a complaint or a request for
    # help would.
    mixed = request_type != RequestType.PRAISE and rng.random() < MIXED_SHARE
    closing = rng.choice(CLOSINGS[rng.choice(("complaint", "help")) if mixed else request_type])
    if request_type == RequestType.CONSULTATION:
        body = opening + topic.question.format(place=place) + closing
    elif request_type == RequestType.SUGGESTION:
        body = opening + problem.format(place=place) + closing
    elif request_type == RequestType.PRAISE:
        body = f"前段时间我反映{place}{subject}的问题，相关部门很快派人到现场处理，问题已经解决。" + closing
    elif request_type == RequestType.REPORT:
        body = "我要举报：" + problem.format(place=place) + aside + closing
    else:
        body = opening + problem.format(place=place) + aside + closing
    patterns = TITLES[request_type] if rng.random() >= PLAIN_TITLE_SHARE else ("{place}{subject}", "{subject}")
    title = rng.choice(patterns).format(place=place, subject=subject)
    return Text(topic, subject, title[:200], body, place, district, problem.format(place=place), closing, index)


def _date(moment: dt.datetime) -> str:
    return f"{moment.month}月{moment.day}日"


def reply(
    rng: random.Random, text: Text, request_type: str, department: str, accepted: dt.datetime, replied: dt.datetime
) -> str:
    """A department's reply (答复): mostly one that takes up the request, says what was done and
    when; about one in eight deliberately weak."""
    if rng.random() < WEAK_SHARE:
        return rng.choice(WEAK_REPLIES)
    if text.index < len(text.topic.actions):
        action = text.topic.actions[text.index]
    else:
        action = f"已督促责任单位对{text.subject}问题进行整改，{rng.choice(('已整改完毕', '现已处理完成'))}"
    visit = min(accepted + dt.timedelta(hours=rng.randint(2, 30)), replied)
    department = department or "承办单位"
    phone = rng.choice(PHONES)
    greeting = rng.choice(("您好！", "市民您好：", "尊敬的市民："))
    if request_type == RequestType.CONSULTATION:
        return (
            f"{greeting}关于您咨询的“{text.topic.question.format(place=text.place)}”，答复如下：{text.subject}"
            f"可携带身份证件及相关材料到{text.district}政务服务中心窗口办理，也可通过“i深圳”App在线办理，"
            f"一般{rng.choice(('3', '5', '7'))}个工作日内办结。如需进一步了解，可拨打{phone}咨询。"
        )
    if request_type == RequestType.PRAISE:
        return (
            f"{greeting}感谢您对{department}工作的肯定。您表扬的{text.place}{text.subject}处置工作，"
            f"我们已转达给相关工作人员，并于{_date(visit)}在内部通报表扬。我们将继续做好服务，欢迎监督，电话{phone}。"
        )
    follow = rng.choice(
        (
            f"下一步将加强日常巡查，防止问题反弹。如有疑问请联系{phone}。",
            f"我们将在{rng.choice(('7', '10', '15'))}个工作日后回访，确保问题彻底解决。联系电话{phone}。",
            "目前该问题已整改到位，后续将持续跟踪。",
        )
    )
    demand = text.demand.removesuffix("谢谢。").rstrip("。！？?!，")
    answer = f"对您提出的“{demand}”的诉求，{rng.choice(DEMAND_ANSWERS)}" if demand else ""
    return (
        f"{greeting}您反映的“{text.title}”问题收悉。经了解，您来电反映“{text.problem}”{department}高度重视，"
        f"于{_date(visit)}派员到{text.place}现场核查，情况基本属实。{action}。{answer}{follow}"
    )


def phone_answer(rng: random.Random, text: Text) -> str:
    """The agent's answer to a consultation closed on the call (直接答复)."""
    if rng.random() < WEAK_SHARE:
        return "已在电话中答复市民。"
    return (
        f"已电话答复市民关于{text.subject}的咨询（“{text.topic.question.format(place=text.place)}”）："
        f"已告知办理条件、所需材料和办理地点（{text.district}政务服务中心窗口或“i深圳”App），"
        f"并告知咨询电话{rng.choice(PHONES)}，市民表示清楚。"
    )


# Incidents ---------------------------------------------------------------------------------------------
# What makes a hot topic: one thing going wrong at one place, and many callers reporting it within days.
# The evenly spread tickets above make few; these bursts give the demo's hot-topic page and its spike
# alert something to find. Places are demo communities (GB/T 2260 codes of the demo city); the sites
# and the events are invented.

INCIDENT = {"complaint": 45, "help": 35, "consultation": 12, "suggestion": 5, "report": 3}


@dataclass(frozen=True)
class Incident:
    key: str
    path: str  # the leaf every ticket of the incident is filed under
    community: str  # division code of the community where it happens
    site: str  # the street, crossing, building site … that callers name
    days: tuple[tuple[int, int], ...]  # (days before the demo's today, tickets received that day)
    hours: tuple[float, float]  # when callers call (local hours; today's calls are spread until now)
    subjects: tuple[str, ...]
    problems: tuple[str, ...]  # with {place} and {site}
    question: str  # with {place} and {site}
    actions: tuple[str, ...]
    asides: tuple[str, ...] = ()  # what callers add after the first day (how long it has lasted …)
    profile: dict[str, int] | None = None

    @property
    def topic(self) -> Topic:
        """The incident as a topic for ``compose`` and ``reply``, its site written in."""
        return Topic(
            self.path,
            0,
            self.profile or INCIDENT,
            self.subjects,
            tuple(problem.replace("{site}", self.site) for problem in self.problems),
            self.question.replace("{site}", self.site),
            self.actions,
        )

    @property
    def size(self) -> int:
        return sum(count for _back, count in self.days)


INCIDENTS: tuple[Incident, ...] = (
    Incident(
        "water-main",
        "城乡建设 / 城市建设和市政管理 / 自来水供应",
        "440305001003",  # 南山区 大新社区
        "南新路与大新路交叉口",
        ((1, 22), (0, 9)),
        (6, 23),
        ("水管爆裂停水", "自来水管爆裂", "突然停水", "爆管停水路面积水"),
        (
            "{site}的自来水主水管爆裂，{place}一带从早上开始停水，一直没有通知什么时候恢复供水。",
            "{site}附近自来水管爆裂，水漫到马路上，{place}好几栋楼都停水了。",
            "{place}突然停水，听说是{site}的供水管道爆裂，家里老人小孩没水做饭洗澡。",
            "{site}水管爆裂后路面大量积水，{place}停水，抢修现场也没有设置围挡。",
        ),
        "{place}因{site}水管爆裂停水，请问什么时候能恢复供水？附近有没有临时供水点？",
        (
            "已通知供水企业组织抢修爆裂管段，并在小区门口设置临时供水点",
            "爆裂管段已抢修完成并恢复供水，已对周边供水管网开展排查",
        ),
        ("到现在还没有恢复供水。", "已经停水十几个小时了。", "打供水热线一直占线。"),
        {"complaint": 40, "help": 45, "consultation": 15},
    ),
    Incident(
        "night-works",
        "环境保护 / 环境污染 / 噪音污染",
        "440304001025",  # 福田区 滨河社区
        "滨河大道旁的在建项目工地",
        ((7, 1), (6, 2), (5, 2), (4, 3), (3, 4), (2, 5), (1, 7), (0, 2)),
        (20, 24),
        ("夜间施工噪音扰民", "工地夜间施工", "深夜打桩噪音", "工地凌晨还在施工"),
        (
            "{site}每天晚上施工到凌晨，打桩机和渣土车噪音很大，{place}居民根本睡不着。",
            "{place}旁边的{site}夜间违规施工，机器轰鸣声一直持续到凌晨两三点。",
            "{site}深夜还在打桩、浇筑混凝土，噪音扰民，{place}很多老人孩子休息不好。",
            "{site}晚上十点以后仍在施工，灯光和噪音直冲{place}的住宅楼。",
        ),
        "{site}夜间施工有没有办理夜间施工许可？许可到什么时候？",
        (
            "已派执法人员夜间到工地检查，责令施工单位停止违规夜间施工并立案调查",
            "已核查夜间施工许可，督促施工单位调整作业时间并落实降噪措施",
        ),
        ("已经连续好几个晚上了。", "这周几乎每晚都这样。", "之前打过电话，情况反而越来越严重。"),
        {"complaint": 60, "help": 15, "report": 15, "consultation": 10},
    ),
    Incident(
        "bus-route",
        "交通运输 / 客货运输 / 旅客运输",
        "440306017003",  # 宝安区 洪浪社区
        "M429路公交",
        ((4, 14), (3, 8), (2, 5), (1, 4), (0, 1)),
        (6.5, 22),
        ("M429路公交改线", "公交改线后站点取消", "M429路公交线路调整", "公交改线出行不便"),
        (
            "{site}从本周起改线，不再经过{place}，居民去地铁站要多走二十分钟。",
            "{site}改线后{place}的公交站被取消，老人和上班族出行很不方便，事先也没有征求意见。",
            "{site}改线后{place}只剩一条公交线路，早高峰等公交要半个小时。",
            "{place}的{site}突然改线，公交站牌信息也没有更新，很多人在原站点白等。",
        ),
        "{site}改线后，{place}去地铁站坐哪一路公交？原来的公交站点还停不停？",
        (
            "已会同公交企业评估线路调整的影响，将增开高峰接驳班次并更新站牌信息",
            "已督促公交企业在原站点张贴改线公告，并研究恢复部分站点",
        ),
        ("周边很多居民都有意见。", "希望恢复原来的线路或者加开接驳车。"),
        {"consultation": 45, "complaint": 35, "suggestion": 20},
    ),
    Incident(
        "waste-station",
        "城乡建设 / 城市建设和市政管理 / 园林绿化环卫",
        "440307003005",  # 龙岗区 山厦社区
        "山厦垃圾转运站",
        ((6, 2), (5, 3), (4, 3), (3, 4), (2, 3), (1, 4), (0, 1)),
        (7, 23),
        ("垃圾转运站臭味扰民", "垃圾站异味", "垃圾转运站污水外流", "垃圾站臭气熏天"),
        (
            "{site}最近臭味非常大，{place}一带整天都能闻到，晚上不敢开窗。",
            "{place}旁边的{site}垃圾堆积不及时转运，散发恶臭，蚊蝇很多。",
            "{site}的渗滤液流到路面上，臭气熏天，{place}居民路过都要捂着鼻子。",
            "{site}的除臭设备好像没有开，{place}的小区里全是垃圾站的臭味。",
        ),
        "{site}的除臭设施多久维护一次？垃圾转运站的臭味有没有排放标准？",
        (
            "已督促环卫作业单位清运积存垃圾、冲洗场地，并维修除臭喷淋设备",
            "已检修转运站渗滤液收集设施，并增加作业频次和场地消杀",
        ),
        ("这几天天气热，越来越臭。", "已经持续一个星期了。"),
    ),
    Incident(
        "traffic-light",
        "政法 / 交通管理 / 交通安全管理",
        "440303001005",  # 罗湖区 红岭社区
        "红岭中路与笋岗路交叉口",
        ((3, 10), (2, 5), (1, 1)),
        (7, 22),
        ("红绿灯故障", "路口红绿灯不亮", "红岭中路红绿灯坏了", "红绿灯故障路口交通混乱"),
        (
            "{site}的红绿灯从早上开始就不亮了，车辆抢行，{place}行人过马路非常危险。",
            "{site}的红绿灯一直黄灯闪烁，早高峰路口堵成一团，{place}附近也没有交警指挥。",
            "{site}的红绿灯坏了，{place}一带的路口差点发生车辆碰撞，请尽快派人维修。",
            "{site}的行人红绿灯不亮，{place}的学生上学要穿过这个路口，家长很担心。",
        ),
        "{site}的红绿灯坏了应该向哪个部门报修？多久能修好？",
        (
            "已通知交警部门派员到路口指挥交通，并安排信号灯维护单位抢修",
            "已更换故障信号机，路口信号灯已恢复正常运行",
        ),
        ("已经一整天了还没修好。", "路口很多学生和老人。"),
    ),
    Incident(
        "power-cuts",
        "经济管理 / 能源管理 / 能源开发供应",
        "440309001001",  # 龙华区 大和社区
        "大和路变电站供电片区",
        ((7, 6), (6, 7), (5, 2)),
        (8, 23),
        ("频繁停电", "突然停电", "停电没有通知", "停电抢修太慢"),
        (
            "{site}这两天反复停电，{place}一天停好几次，冰箱里的东西都坏了。",
            "{site}突然大面积停电，{place}有电梯困人，供电部门也没有提前通知。",
            "{site}停电已经超过六个小时，{place}的居民问供电部门，只说在抢修，一直没有恢复时间。",
            "{site}的变压器好像出了问题，{place}晚上一到用电高峰就跳闸停电。",
        ),
        "{site}停电什么时候恢复？停电检修会提前通知吗？",
        (
            "已协调供电部门排查线路故障，更换了过载的变压器",
            "已督促供电企业完成抢修并恢复供电，今后计划停电将提前公告",
        ),
        ("家里有老人需要用制氧机。", "天气这么热，停电实在受不了。"),
    ),
    Incident(
        "street-lights",
        "城乡建设 / 城市建设和市政管理 / 城市公共设施",
        "440311001001",  # 光明区 光明社区
        "光明大道辅道",
        ((5, 2), (4, 3), (3, 3), (2, 2), (1, 4), (0, 1)),
        (19, 24),
        ("路灯不亮", "整段路灯熄灭", "路灯全黑道路漆黑", "路灯故障"),
        (
            "{site}一整段路灯都不亮了，晚上{place}一带漆黑一片，行人和电动车很危险。",
            "{place}附近的{site}路灯连续几晚熄灭，下班回家只能打手机手电筒。",
            "{site}路灯故障好几天了，{place}晚上有人摔倒，希望尽快维修路灯。",
            "{site}的路灯晚上全黑，{place}的小区门口出入很不安全。",
        ),
        "{site}的路灯归哪个部门管？路灯坏了多久能修好？",
        (
            "已安排市政养护单位排查供电线路，更换损坏的路灯",
            "已完成路灯线路抢修，整段路灯已恢复照明，后续纳入日常巡查",
        ),
        ("已经好几个晚上了。", "附近还有学校和菜市场。"),
    ),
    Incident(
        "flooding",
        "农村农业 / 水利水电 / 防汛抗旱",
        "440310001003",  # 坪山区 坪山社区
        "坪山大道下穿隧道",
        ((3, 14), (2, 5)),
        (6, 22),
        ("暴雨后隧道积水", "下穿隧道积水", "隧道积水内涝", "积水倒灌商铺"),
        (
            "暴雨后{site}积水超过半米，{place}有车辆在隧道里熄火被困。",
            "暴雨后{site}严重积水，隧道封闭，{place}的居民上班只能绕行很远。",
            "暴雨后{site}附近积水倒灌进{place}的商铺和地下车库，损失很大。",
            "{site}的排水口被垃圾堵死，暴雨后隧道积水一直退不下去，{place}交通瘫痪。",
        ),
        "{site}积水期间有没有绕行路线？哪里可以查询内涝预警？",
        (
            "已安排排水养护单位疏通管网、抽排积水，并在隧道口设置警示",
            "已将该积水点纳入内涝整治计划，汛期安排专人值守",
        ),
        ("积水到现在还没有退。", "每次下大雨都这样。"),
    ),
    Incident(
        "lift",
        "城乡建设 / 住房保障与房地产 / 物业服务",
        "440308002009",  # 盐田区 明珠社区
        "明珠花园3栋",
        ((2, 4), (1, 7), (0, 2)),
        (7, 23),
        ("电梯故障困人", "电梯频繁故障", "电梯故障停运", "电梯故障物业不修"),
        (
            "{site}的电梯这周连续故障困人两次，物业只是重启了事，{place}的住户都不敢坐电梯。",
            "{site}的电梯又故障停运了，物业说在等配件，{place}住在三十层的老人只能爬楼梯。",
            "{site}电梯故障停运好几天，{place}的老人和孕妇上下楼非常困难，物业一直拖着不修。",
            "{site}的电梯频繁故障，运行时突然下坠又停住，{place}的业主怀疑电梯年检不合格。",
        ),
        "{site}的电梯维保由谁负责？电梯年检不合格可以向哪里反映？",
        (
            "已约谈物业服务企业，督促电梯维保单位更换故障部件并恢复运行",
            "已会同特种设备检验机构对电梯进行安全检验，检验合格后恢复使用",
        ),
        ("今天早上又困人了。", "物业一直说在等配件。"),
    ),
    Incident(
        "bbq-smoke",
        "环境保护 / 环境污染 / 大气污染",
        "440309001004",  # 龙华区 岗头社区
        "岗头市场旁的烧烤一条街",
        ((3, 2), (2, 3), (1, 5), (0, 1)),
        (19, 24),
        ("烧烤油烟扰民", "露天烧烤油烟", "烧烤店油烟直排", "夜宵烧烤油烟噪音"),
        (
            "{site}每天晚上露天烧烤，油烟直冲{place}的住宅楼，家里不敢开窗。",
            "{place}附近{site}新开了好几家烧烤店，油烟直排，没有油烟净化设备。",
            "{site}的烧烤摊占道经营到凌晨，油烟和吵闹声让{place}居民无法休息。",
            "{site}烧烤油烟太大，{place}的老人孩子晚上都被呛得咳嗽。",
        ),
        "{site}的烧烤店需要安装油烟净化设备吗？露天烧烤归哪个部门管？",
        (
            "已对烧烤店油烟排放进行检查，责令未安装油烟净化设施的商户停止经营并整改",
            "已会同城管执法部门取缔露天烧烤，并在该路段增加夜间巡查",
        ),
        ("最近一周越来越严重。", "晚上十二点以后还在烧烤。"),
        {"complaint": 60, "help": 20, "report": 10, "suggestion": 10},
    ),
)
