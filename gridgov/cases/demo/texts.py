"""The words of the demo cases: what reporters write, and what staff note on the way (data, not logic).

Descriptions are templates per matter code with the slots {place}, {since} and {ask}; staff notes are
lists to draw from. The texts are the district's own language (Chinese), like real reports.
"""

from __future__ import annotations

import random

SINCE = (
    "已经两三天了",
    "好几天了",
    "从昨天开始就这样",
    "一个多星期了",
    "今天早上发现的",
    "反映过一次还没解决",
    "刚刚看到",
    "持续有段时间了",
)
ASK = (
    "请尽快处理。",
    "麻烦派人来看看。",
    "希望尽快解决。",
    "请相关部门处理一下，谢谢！",
    "请网格员帮忙协调。",
    "影响很大，盼早日解决。",
    "谢谢！",
)
# Where outdoors, around a building: {b} is the building, {e} its estate.
OUTDOOR_SPOTS = ("{b}楼下", "{b}旁边", "{e}门口", "{b}对面路边", "{b}后面的空地", "{e}东侧人行道", "{e}路口")
INDOOR_SPOTS = ("{b}", "{b}{u}单元", "{b}{u}单元{f}楼", "{e}{b}")
# How a channel's staff write down what they were told or saw.
LEADS = {
    "hotline": ("市民来电反映：", "来电人称：", ""),
    "patrol": ("巡查发现：", "网格员巡查时发现，", ""),
    "wecom": ("网格群里居民反映：", "群内反映：", ""),
    "desk": ("居民来访反映：", ""),
}

T = dict[str, tuple[str, ...]]
TEMPLATES: T = {
    "06010": (
        "{place}有一堆垃圾没人清理，{since}，味道很大，{ask}",
        "{place}被人乱扔了生活垃圾，招苍蝇，{ask}",
        "{place}堆着装修垃圾和生活垃圾，{since}。{ask}",
    ),
    "06042": (
        "{place}的垃圾桶满了溢出来，{since}，{ask}",
        "{place}垃圾站垃圾堆满了没人清运，臭气熏天，{ask}",
    ),
    "06011": ("{place}堆了很多建筑渣土，{since}，下雨就流到路上，{ask}", "{place}有积存垃圾渣土，{ask}"),
    "06012": ("{place}路面很脏，到处是泥和纸屑，{ask}", "{place}路面有大片油污，{since}，{ask}"),
    "06036": (
        "{place}有人乱堆杂物，占了通道，{ask}",
        "{place}堆满了旧家具和纸箱，{since}，存在火灾隐患，{ask}",
    ),
    "06017": ("{place}绿化带里全是垃圾，{since}，{ask}", "{place}的绿地脏乱，有人倒剩饭剩菜，{ask}"),
    "01037": (
        "{place}的路灯不亮了，{since}，晚上走路很不安全，{ask}",
        "{place}有几盏路灯一闪一闪的，{ask}",
        "{place}路灯坏了，路口黑漆漆的，老人小孩出行不方便，{ask}",
        "{place}的路灯白天也一直亮着，浪费电，{ask}",
    ),
    "06013": (
        "{place}路面破损，有个大坑，{since}，电动车经过很危险，{ask}",
        "{place}人行道地砖松动翘起，下雨踩上去溅一身水，{ask}",
        "{place}路面坑洼不平，{since}，{ask}",
    ),
    "04013": ("{place}的草坪被踩秃了一大片，{ask}", "{place}绿地里的植物大片枯死，{since}，{ask}"),
    "04002": (
        "{place}的行道树歪了，树枝挡住了路，{ask}",
        "{place}行道树树枝太长，碰到了电线，{since}，{ask}",
    ),
    "06045": ("{place}有人毁掉绿化种菜，{since}，{ask}", "{place}绿地被人占用堆放东西，{ask}"),
    "09009": (
        "{place}有小车乱停，把路堵死了，{since}，{ask}",
        "{place}车辆违停占了人行道，行人只能走机动车道，{ask}",
        "{place}天天有车停在路口，消防车都进不来，{ask}",
    ),
    "09010": ("{place}电动车乱停乱放，通道都堵了，{ask}", "{place}非机动车停得乱七八糟，{since}，{ask}"),
    "09011": ("{place}共享单车堆了一大片，挡住了路，{ask}", "{place}好多共享单车倒在地上，{ask}"),
    "09006": (
        "{place}有流动摊贩占道经营，{since}，{ask}",
        "{place}早上有人摆摊卖菜，占了半条路，{ask}",
    ),
    "09005": ("{place}的店铺把货物摆到店外人行道上，{ask}", "{place}饭店在门口摆桌子，{since}，{ask}"),
    "07001": (
        "{place}墙上贴满了小广告，{since}，{ask}",
        "{place}电线杆和楼道里到处是牛皮癣广告，{ask}",
    ),
    "06028": (
        "{place}每天晚上跳广场舞，音响声音太大，{since}，{ask}",
        "{place}有店铺用喇叭大声招揽生意，吵得人休息不好，{ask}",
        "{place}附近KTV半夜还很吵，{since}，{ask}",
        "{place}夜里有噪音扰民，{ask}",
    ),
    "06027": ("{place}的餐馆油烟直排，熏得窗户都不敢开，{ask}", "{place}饭店油烟很大，{since}，{ask}"),
    "06029": ("{place}晚上有人露天烧烤，烟很大，{since}，{ask}", "{place}烧烤摊占道，烟熏火燎，{ask}"),
    "01023": (
        "{place}有个井盖破了，{since}，很危险，{ask}",
        "{place}井盖丢了，只剩一个洞，晚上看不见，{ask}",
        "{place}的井盖松动，车一压就响，{ask}",
    ),
    "01002": ("{place}下水道井盖破损，{since}，{ask}", "{place}污水井盖塌陷，{ask}"),
    "06034": ("{place}有一辆僵尸车停了很久，{since}，{ask}", "{place}有废弃车辆落满灰尘，占了车位，{ask}"),
    "06001": ("{place}有人私搭乱建棚子，{since}，{ask}", "{place}一楼住户违规搭建围墙，{ask}"),
    "08001": ("{place}工地晚上十点以后还在施工，{since}，{ask}", "{place}施工噪音太大，{ask}"),
    "08004": ("{place}工地扬尘很大，没有洒水也没有覆盖，{ask}", "{place}工地尘土飞扬，{since}，{ask}"),
    "09012": ("{place}消防通道被车辆堵住了，{since}，{ask}", "{place}有人在消防通道上堆放杂物，{ask}"),
    "03005": ("{place}的垃圾箱坏了，盖子没了，{ask}", "{place}垃圾桶破损，垃圾漏了一地，{ask}"),
    "03001": ("{place}附近的公共厕所没水冲，很脏，{ask}", "{place}公厕门锁坏了，{since}，{ask}"),
    "01046": ("{place}的健身器材坏了，有安全隐患，{ask}", "{place}健身器材螺丝松了，{since}，{ask}"),
    "10001": ("{place}路面结冰，已经有人摔倒了，{ask}", "{place}坡道结冰很滑，{ask}"),
    "S01001": (
        "{place}楼上楼下因为漏水吵起来了，{since}，{ask}",
        "{place}邻居养狗扰民，双方发生争执，{ask}",
        "{place}两户因为楼道堆物起了矛盾，{ask}",
    ),
    "S01002": ("{place}一户家庭因赡养老人发生纠纷，{ask}", "{place}夫妻经常吵架，邻居很担心，{ask}"),
    "S01003": (
        "{place}业主和物业因为物业费闹矛盾，{since}，{ask}",
        "{place}业主与物业因停车收费起争执，{ask}",
    ),
    "S01004": ("{place}附近一家装修公司拖欠工人工资，{since}，{ask}", "{place}有工人讨薪，情绪激动，{ask}"),
    "S01006": ("{place}租户和房东因押金发生纠纷，{ask}", "{place}两家因房屋边界有争议，{since}，{ask}"),
    "S02001": (
        "{place}最近有可疑人员出没，{since}，{ask}",
        "{place}电动车被偷了好几辆，{ask}",
        "{place}晚上有人聚众喝酒闹事，{ask}",
    ),
    "S02003": (
        "{place}楼道里堆满杂物，消防通道不畅，{ask}",
        "{place}的灭火器过期了，消防栓也没水，{ask}",
    ),
    "S02004": (
        "{place}有人从楼上拉电线给电动车充电，{since}，很危险，{ask}",
        "{place}有住户把电动车推进楼道充电，{ask}",
    ),
    "S02005": ("{place}有人从楼上往下扔东西，差点砸到人，{ask}", "{place}外墙瓷砖脱落，{since}，{ask}"),
    "S02008": ("{place}墙体开裂越来越严重，{since}，住户很担心，{ask}", "{place}阳台出现裂缝，{ask}"),
    "S02006": (
        "{place}闻到很浓的燃气味，请马上来人！",
        "{place}疑似燃气泄漏，楼道里全是煤气味，请立即处理！",
    ),
    "S02007": (
        "{place}一棵大树被风刮倒了，横在路上，车过不去，请马上处理！",
        "{place}大树倒伏压住了电线，请立即派人！",
    ),
    "S02011": ("{place}电梯困人，里面有老人，请马上来人！", "{place}有人被困在电梯里，请立即救援！"),
    "S03001": (
        "{place}一位老人走失，穿灰色外套，家属很着急，请帮忙寻找！",
        "{place}附近一个小孩走丢了，约六岁，请马上帮忙找！",
    ),
    "S03002": ("{place}有一位独居老人几天没出门，邻居担心，{ask}", "{place}独居老人家里没人照顾，{ask}"),
    "S03004": ("{place}新搬来几户租客，还没做登记，{ask}", "{place}有外来人员需要办理居住登记，{ask}"),
    "S03005": ("{place}疑似群租房，住了很多人，{since}，{ask}", "{place}出租屋住户频繁更换，{ask}"),
    "L01001": ("{place}物业不作为，门禁坏了没人管，{since}，{ask}", "{place}小区保安经常不在岗，{ask}"),
    "L01003": ("{place}楼道灯不亮，{since}，{ask}", "{place}单元门坏了关不上，{ask}"),
    "L01004": (
        "{place}楼上漏水，天花板一直在滴水，{since}，{ask}",
        "{place}屋顶渗水，下雨家里就漏，{ask}",
        "{place}卫生间往楼下漏水，协商不成，{ask}",
    ),
    "L01005": ("{place}电梯坏了，{since}，老人上下楼很困难，{ask}", "{place}电梯运行有异响，{ask}"),
    "L01006": ("{place}小区车位被外来车辆占用，{ask}", "{place}小区停车难，消防通道停满了车，{ask}"),
    "L01008": ("{place}楼道垃圾没人清扫，{since}，{ask}", "{place}小区卫生很差，到处是垃圾，{ask}"),
    "L01002": ("{place}业主想成立业委会，不知道怎么办，{ask}", "{place}业委会换届迟迟没有进行，{ask}"),
    "L02001": ("{place}停水了，{since}，没有接到通知，{ask}", "{place}水压很低，高层用不上水，{ask}"),
    "L02002": ("{place}自来水管爆了，水漫到路上，{ask}", "{place}路面冒水，疑似水管破裂，{ask}"),
    "L02004": ("{place}整栋楼停电了，{since}，{ask}", "{place}经常跳闸断电，{ask}"),
    "L02005": ("{place}电线垂得很低，快碰到人了，{ask}", "{place}电线老化打火，{since}，{ask}"),
    "L02007": ("{place}下水道堵了，污水冒出来，{since}，{ask}", "{place}化粪池满了，臭气很大，{ask}"),
    "L03001": ("{place}家里发现白蚁，门框被蛀了，{ask}", "{place}楼里好几户发现白蚁，{since}，{ask}"),
    "L03002": ("{place}老鼠很多，{since}，{ask}", "{place}蚊虫太多，积水没人清理，{ask}"),
    "L03004": ("{place}有流浪狗追咬行人，{ask}", "{place}流浪猫狗越来越多，{since}，{ask}"),
    "L04001": ("{place}居民咨询医保怎么办理，{ask}", "{place}居民咨询老年证办理流程，{ask}"),
    "L04002": ("{place}居民建议增设休息座椅，{ask}", "{place}希望增设快递柜和充电桩，{ask}"),
}
GENERIC_TEMPLATES = ("{place}有问题需要处理，{since}，{ask}",)
# Matters that happen inside homes and buildings get an indoor place.
INDOOR = frozenset(
    {"S01001", "S01002", "S01006", "S02003", "S02008", "S02011", "S03002", "S03004", "S03005"}
    | {"L01001", "L01003", "L01004", "L01005", "L01008", "L01002", "L02001", "L02004", "L03001"}
)

DONE = {
    "06": ("已安排保洁人员清理完毕，现场恢复整洁。", "已清理并拍照留存，后续加强巡查。", "已整改到位。"),
    "01": ("已派人维修，恢复正常使用。", "已更换损坏部件，恢复正常。", "已修复并做好警示。"),
    "09": ("已现场劝离并规范停放。", "已依法处理，现场恢复秩序。", "已教育劝导，当事人已整改。"),
    "07": ("已清除小广告，现场恢复整洁。",),
    "08": ("已责令施工单位整改，现场已规范。", "已约谈施工方，夜间停止施工。"),
    "S01": ("经网格员和社区调解，双方已达成一致。", "已调解，当事人表示不再争议。"),
    "S02": ("隐患已排除，现场已处置。", "已联合相关单位处置完毕。"),
    "S03": ("已上门走访，落实帮扶措施。", "已完成登记。"),
    "L01": ("已督促物业处理完毕。", "已维修完毕，住户确认正常。"),
    "L02": ("已抢修完毕，恢复供应。", "已疏通，恢复正常。"),
    "L03": ("已安排专业人员消杀处置。", "已处置完毕。"),
    "L04": ("已电话答复居民。", "已答复并做好解释。"),
}
GENERIC_DONE = ("已处理完毕。", "已按要求处置到位。")
DONE_BY_CODE = {
    "01037": ("已更换灯具，恢复照明。", "已维修线路，路灯恢复正常。"),
    "S03001": ("人员已找到，安全送回家中。",),
    "S02006": ("已关闭阀门，查明泄漏点并修复。",),
    "S02007": ("倒伏树木已清理，道路恢复通行。",),
    "S02011": ("被困人员已安全救出，电梯停用检修。",),
}
SOLVED_IN_GRID = ("网格员现场处置完毕。", "已现场协调解决。", "已当场处理，拍照留存。", "已劝导整改到位。")
REJECT = (
    "不属于受理范围，已告知当事人相关办理渠道。",
    "反映内容不清楚，联系不上反映人，无法核实。",
    "该事项已进入司法程序，不予受理，已做好解释。",
    "经核实，现场无此问题。",
)
RETURN = (
    "不属于本单位职责范围，请重新派遣。",
    "该处设施产权不属于本单位，请核实后重新派遣。",
    "派遣有误，应由属地街道处理。",
)
ESCALATE = (
    "超出网格处置能力，需上级协调。",
    "涉及多个部门，网格无法独立解决。",
    "当事人不接受调解，请求上级介入。",
)
EXTENSION = ("需要采购配件，申请延期。", "涉及多方协调，申请延期处理。", "天气原因无法施工，申请延期。")
DENY_EXTENSION = ("时限内可以完成，请按时办结。", "理由不充分，请按原时限处理。")
HOLD = ("需申请专项资金，暂时挂账。", "需等待产权单位确认，暂时挂账。", "需统一改造，列入计划后处理。")
DENY_HOLD = ("不符合挂账条件，请继续处置。",)
PROGRESS = (
    "已联系反映人，正在安排人员处理。",
    "已到现场查看，正在制定处置方案。",
    "已协调相关单位，正在处理中。",
    "材料已到位，近期施工。",
)
REWORK = ("核查发现问题仍未解决，请返工。", "现场仍有残留，请重新处理。", "处置不彻底，居民仍有反映。")
URGE = ("请加快办理，今日内反馈进展。", "该件已超期，请尽快处置。", "请高度重视，尽快办结。")
SATISFIED = ("处理很及时，谢谢！", "满意，效率很高。", "", "", "辛苦了！")
BASICALLY = ("解决了，但是有点慢。", "基本满意。", "")
DISSATISFIED = ("问题没有彻底解决。", "处理太慢了，现在又出现了。", "不满意，希望再看看。")
VOID = ("重复立案，申请作废。", "立案信息有误，申请作废。")


def pick(rng: random.Random, options: tuple[str, ...]) -> str:
    """Return one of the options."""
    return options[rng.randrange(len(options))]


def place_phrase(rng: random.Random, code: str, building: str, estate: str) -> str:
    """Return where the matter is, in a reporter's words, around the building."""
    if code in INDOOR:
        return pick(rng, INDOOR_SPOTS).format(b=building, e=estate, u=rng.randint(1, 4), f=rng.randint(1, 7))
    return pick(rng, OUTDOOR_SPOTS).format(b=building, e=estate)


def description(rng: random.Random, code: str, channel: str, place: str) -> str:
    """Return a report's text for the matter at the place, as the channel records it."""
    template = pick(rng, TEMPLATES.get(code, GENERIC_TEMPLATES))
    text = template.format(place=place, since=pick(rng, SINCE), ask=pick(rng, ASK))
    lead = pick(rng, LEADS[channel]) if channel in LEADS else ""
    return lead + text


def done_note(rng: random.Random, code: str, class_code: str) -> str:
    """Return what the handler writes when reporting the matter done."""
    return pick(rng, DONE_BY_CODE.get(code) or DONE.get(class_code, GENERIC_DONE))
