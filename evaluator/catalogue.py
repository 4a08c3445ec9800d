"""Every diagnostic code the engine gives, declared once: its severity, a Chinese title and an
example (the line of input it is about, and the message it gives), as sqlfluff declares its
rules. docs/diagnostics.md is written from this table:

    python -m evaluator.catalogue > docs/diagnostics.md

``tests/test_catalogue.py`` checks that the committed page is what that command writes, that
every code the source can give is declared here with the severity it is given with, and that
every declared code is given by some test. The engine itself never reads this module.

A code of a family is declared by its source: the parser's ``expression.X`` is told as
``target.X`` in a target and ``actual.X`` in an actual, a schema's ``schema.X`` as ``rules.X``
in a rule set (see FAMILIES).
"""

from __future__ import annotations

import sys

from .saved_code import dataclass

ERROR, WARNING = "error", "warning"


@dataclass(frozen=True)
class Code:
    code: str
    severity: str  # "error", "warning", or "error/warning": ``note`` says when which
    title: str
    file: str  # where the example's input is
    input: str  # the example's line(s) of input ("" for a whole file)
    message: str  # the message that input gives, as printed
    note: str = ""

    @property
    def severities(self) -> frozenset[str]:
        return frozenset(self.severity.split("/"))


@dataclass(frozen=True)
class Family:
    prefix: str  # the codes' prefix: target, actual, rules
    source: str  # the prefix of the codes they are told from: expression, schema
    title: str  # what the family is about, put before each source code's title
    about: str


CODES: tuple[Code, ...] = (
    # ---- whole files
    Code("file.empty", ERROR, "文件是空的（或只有注释）", "goals.yaml", "", "文件是空的"),
    Code("file.binary", ERROR, "不是文本文件", "goals.yaml", "\\x89PNG…（图片的字节）",
         "这不是文本文件（含有二进制内容）"),
    Code("file.encoding", ERROR, "文件不是 UTF-8 编码（GBK、UTF-16 等）", "goals.yaml",
         "（以 GBK 保存的申报表）", "文件是 GBK/GB18030 编码，不是 UTF-8"),

    Code("file.not_regular", ERROR, "不是普通文件（设备、管道、套接字或目录）", "rules.yaml",
         "extends: base.yaml（base.yaml 是一个 FIFO）", "这不是普通文件（是设备、管道或套接字），未读取",
         "命令行上的输入文件在读取之前就被拒绝（退出码 2）；规则文件继承的文件在此报告"),

    Code("file.mixed_line_breaks", WARNING, "文件混用了不同的换行符", "goals.yaml",
         "unit: 上海世界城市日事务协调中心\\r# 备注",
         "这一行以 CR（\\r，旧 Mac）换行，文件的其他行多以 LF（\\n）换行",
         "每一种换行符 YAML 都当作换行：单独的 CR 之后的文字在下一行"),

    # ---- workbooks (.xlsx: the fill-in 自评表, a 申报表)
    Code("xlsx.unreadable", ERROR, "不是 .xlsx 工作簿，或文件已损坏", "自评表.xlsx",
         "（损坏的文件）", "无法读取 Excel 工作簿：文件已损坏或格式不对"),
    Code("xlsx.encrypted", ERROR, "工作簿设有打开密码", "自评表.xlsx", "（加密的工作簿）",
         "工作簿设有打开密码，无法读取"),
    Code("xlsx.old_format", ERROR, "旧版 .xls 文件", "自评表.xlsx", "（改了扩展名的 .xls）",
         "这是旧版 Excel 文件（.xls），不是 .xlsx"),
    Code("xlsx.no_table", ERROR, "工作簿中没有自评表（或申报表）", "自评表.xlsx", "（空的工作表）",
         "工作簿中没有找到项目支出绩效自评表（“项目名称”和“三级指标”表头）"),
    Code("xlsx.formula_not_calculated", ERROR, "公式没有保存计算结果", "自评表.xlsx",
         "F6 | =1000000+36500", "单元格是公式，但文件中没有保存它的计算结果"),
    Code("xlsx.formula_error", ERROR, "公式的结果是错误值", "自评表.xlsx", "F6 | #DIV/0!",
         "单元格的公式结果是错误值 #DIV/0!"),
    Code("xlsx.duplicate_project", ERROR, "同一项目有两张表", "自评表.xlsx",
         "C3 | 城市日宣传推广", "项目“城市日宣传推广”在工作簿中出现两次"),
    Code("xlsx.duplicate_indicator", ERROR, "同一指标填了两行", "自评表.xlsx",
         "D20 | 公众号信息每周更新次数", "指标“公众号信息每周更新次数”在项目“城市日宣传推广”中出现两次"),
    Code("xlsx.unnamed_row", WARNING, "有完成值却没有三级指标名称的行", "自评表.xlsx",
         "F30 | 3次", "这一行填写了实际完成值，但没有三级指标名称，未读取"),
    Code("xlsx.text_cut", WARNING, "文字超过 Excel 单元格的上限，已截断", "actuals.yaml",
         "reason: （4 万字的说明）",
         "1 个单元格的文字超过 Excel 单元格的上限 32 767 字，已截断（以 … 结尾）：城市日宣传推广!J12（40,000 字）",
         "只在 Excel 输出中截断；Markdown、HTML、JSON 中是完整的文字"),

    # ---- YAML
    Code("yaml.tag", ERROR, "值上有 YAML 标签", "goals.yaml", "unit: !!binary 5LiK5rW3",
         "不支持 YAML 标签（!!binary）"),
    Code("yaml.syntax", ERROR, "YAML 格式有误（没有更具体的说法时）", "goals.yaml",
         'unit: "上海世界城市日事务协调中心"（实施单位）', "这一行（或上一行）的 YAML 格式有误"),
    Code("yaml.unterminated", ERROR, "引号或括号没有闭合", "goals.yaml",
         "    funds: {total: 50000.00", "括号 { 没有闭合"),
    Code("yaml.indentation", ERROR, "缩进不一致或过深", "goals.yaml",
         "         公益活动举办次数: ≥3.00(次)", "缩进不一致"),
    Code("yaml.tab", ERROR, "用了制表符（Tab）缩进或分隔", "goals.yaml",
         "\t\t公益活动举办次数: ≥3.00(次)", "不能用制表符（Tab）缩进或分隔"),
    Code("yaml.fullwidth_space", ERROR, "缩进里有全角空格", "goals.yaml",
         "\u3000\u3000\u3000\u3000\u3000公益活动举办次数: ≥3.00(次)", "缩进里有全角空格"),
    Code("yaml.fullwidth_colon", ERROR, "名称后用了中文冒号", "goals.yaml",
         "          公益活动举办次数：≥3.00(次)", "名称后面用了中文冒号“：”"),
    Code("yaml.colon", ERROR, "值里有未加引号的“: ”", "goals.yaml", "    goal: 目标: 完成宣传",
         "此处不能出现“: ”"),
    Code("yaml.colon_space", ERROR, "冒号后面缺少空格", "actuals.yaml",
         "      公益活动举办次数:3次", "冒号后面缺少空格"),
    Code("yaml.missing_colon", ERROR, "缺少冒号", "goals.yaml",
         "          公益活动举办次数 ≥3.00(次)", "缺少“:”"),
    Code("yaml.complex_key", ERROR, "键不是文字", "goals.yaml", "[funds_unit]: 元", "键必须是文字"),
    Code("yaml.unquoted_sign", ERROR, "以 > 或 | 开头的值没有加引号", "goals.yaml",
         "          社交媒体推送合格率: >=95%", "以“>”开头的值必须加引号"),
    Code("yaml.bad_escape", ERROR, "转义序列不代表文字", "goals.yaml",
         'unit: "上海世界城市日事务协调中心\\ud800"', "转义序列不代表任何文字（如单独的 \\ud800）"),
    Code("yaml.duplicate_key", ERROR, "同一层里重复的键", "goals.yaml",
         "          公益活动举办次数: ≥4.00(次)", "重复的键“公益活动举办次数”（第 13 行已出现）"),
    Code("yaml.multiple_documents", ERROR, "一个文件里有多个 YAML 文档", "goals.yaml", "---",
         "文件中有多个 YAML 文档（“---”分隔）"),
    Code("yaml.alias", ERROR, "用了 YAML 锚点或别名", "goals.yaml", "a: &a [哈哈, 哈哈, 哈哈]",
         "不支持 YAML 锚点和别名（&、*）"),
    Code("yaml.too_deep", ERROR, "嵌套层数过多", "goals.yaml", "projects: [[[[[[…",
         "嵌套层数过多，无法读取"),

    # ---- fields and types (goals.yaml, actuals.yaml; in a rule set: rules.*)
    Code("schema.root", ERROR, "文件最外层不是映射", "goals.yaml", "- year: 2024",
         "文件的最外层应为“名称: 值”形式的映射"),
    Code("schema.missing", ERROR, "缺少必填项", "actuals.yaml", "    budget:",
         "缺少必填项“adjusted（全年预算数）”"),
    Code("schema.unknown_key", ERROR, "不认识的键", "actuals.yaml", "      adjustd: 100000.00",
         "不认识的键“adjustd”"),
    Code("schema.type", ERROR, "值的类型不对", "actuals.yaml", "      公益活动举办次数: [3次, 4次]",
         "“公益活动举办次数”的完成值应为文字，或 {actual: …} 形式的映射"),
    Code("schema.choice", ERROR, "不在可选值之中", "goals.yaml", "funds_unit: 千元",
         "“funds_unit（金额单位）”不能是“千元”"),
    Code("schema.empty", ERROR, "不能为空", "goals.yaml", "projects: []",
         "“projects（项目）”不能为空"),
    Code("schema.range", ERROR, "超出允许的范围（如负数）", "actuals.yaml", "      adjusted: -100000.00",
         "“adjusted（全年预算数）”不能小于 0"),
    Code("schema.number", ERROR, "应为数字", "goals.yaml", "      total: 十万",
         "“total（年度资金申请总额）”应为数字：“十万”不是数字"),
    Code("schema.places", ERROR, "分值或得分多于两位小数", "actuals.yaml",
         "      公益活动举办次数: {actual: 3次, weight: 5.555}",
         "“weight（分值）”最多保留两位小数：“5.555”"),
    Code("schema.year", ERROR, "年度不是四位数字", "goals.yaml", "year: 2024年",
         "“year（年度）”应为四位数字的年度：“2024年”"),
    Code("schema.value", ERROR, "值自相矛盾（规则集的检查）", "rules.yaml",
         "  partial: {low: 90, high: 80, default: 85}", "下限 90 大于上限 80"),
    Code("schema.invalid", ERROR, "值不符合要求（没有更具体的说法时）", "goals.yaml", "year: …",
         "“year（年度）”的值不符合要求"),

    # ---- goals.yaml
    Code("goals.empty_project", ERROR, "项目没有内容", "goals.yaml", "  -", "第 1 个项目没有内容"),
    Code("goals.duplicate_project", ERROR, "项目名称重复", "goals.yaml", "  - name: 城市日宣传推广",
         "项目名称“城市日宣传推广”重复（第 6 行已有）"),
    Code("goals.no_indicators", ERROR, "项目没有绩效指标", "goals.yaml", "  - name: 城市日管理研究",
         "项目“城市日管理研究”没有绩效指标"),
    Code("goals.empty_name", ERROR, "指标名称为空", "goals.yaml", "          : ≥3.00(次)",
         "三级指标名称为空"),
    Code("goals.unknown_level1", ERROR, "一级指标不属于规则集的指标类别", "goals.yaml",
         "      社会效果指标:", "一级指标“社会效果指标”不属于规则集的任何指标类别，不计分"),

    # ---- actuals.yaml, joined to goals.yaml
    Code("actuals.year_mismatch", ERROR, "两个文件的年度不同", "actuals.yaml", "year: 2023",
         "完成值文件的年度 2023 与申报表的年度 2024 不一致"),
    Code("actuals.unknown_project", ERROR, "申报表中没有这个项目", "actuals.yaml",
         "  城市日管理研究（续）:", "申报表中没有项目“城市日管理研究（续）”"),
    Code("actuals.missing_project", ERROR, "项目没有填写完成情况", "goals.yaml",
         "  - name: 城市日管理研究", "项目“城市日管理研究”没有填写完成情况，无法评分"),
    Code("actuals.empty_project", ERROR, "项目下面没有内容", "actuals.yaml", "  城市日管理研究:",
         "项目“城市日管理研究”下面没有填写内容"),
    Code("actuals.unknown_indicator", ERROR, "申报表中没有这个指标", "actuals.yaml",
         "      专家满意度: 95%", "项目“城市日管理研究”的申报表中没有指标“专家满意度”"),
    Code("actuals.ambiguous_indicator", ERROR, "三级指标名称在项目中出现多次，需写明二级指标",
         "actuals.yaml", "      公益活动举办次数: 3次",
         "三级指标“公益活动举办次数”在项目“城市日宣传推广”中出现多次"),
    Code("actuals.duplicate_indicator", ERROR, "同一指标填写了两次", "actuals.yaml",
         "      数量指标/公益活动举办次数: 3次", "指标“数量指标/公益活动举办次数”填写了两次"),
    Code("actuals.missing_indicator", ERROR, "指标没有填写实际完成值", "actuals.yaml",
         "  城市日宣传推广:", "指标“数量指标/公益活动举办次数”没有填写实际完成值，按 0 分计"),

    # ---- targets (and their family below)
    Code("target.implied_operator", WARNING, "指标值没有比较符号，按“≥”理解", "goals.yaml",
         "          公益活动举办次数: 3次", "指标值“3次”没有比较符号，按“≥”理解"),
    Code("target.unknown_word", WARNING, "指标值中有词表以外的词", "goals.yaml",
         "          知识分享效果: 显着提升", "指标值中的“显着”不是词表中的词，按普通文字处理"),

    # ---- actuals against their targets
    Code("actual.unit_mismatch", ERROR, "完成值与指标值的单位不一致", "actuals.yaml",
         "      新媒体内容被转载篇数: 22人次", "实际完成值单位“人次”与指标值单位“篇”不一致"),
    Code("actual.unknown_word", ERROR, "完成值中有词表以外的词", "actuals.yaml",
         "      城市可持续发展理念社会认可度: 显着提升",
         "完成值“显着提升”中的“显着”不是规则集词表中的词，无法判断达成程度"),
    Code("actual.cannot_judge", ERROR, "无法判断文字完成值的达成程度", "actuals.yaml",
         "      知识分享效果: 宣传推广效果良好",
         "无法判断完成值“宣传推广效果良好”相对于指标值“有利于宣传推广《上海手册》”的达成程度"),
    Code("actual.tier_for_quantity", "error/warning", "定量指标填写了档次词", "actuals.yaml",
         "      公益活动举办次数: 达成", "指标值“≥3.00(次)”是定量指标，完成值却写了档次词“达成”",
         note="警告；规则集不接受档次词（quantitative.tier_word_accepted: false）时为错误，该项 0 分"),
    Code("actual.not_a_number", ERROR, "定量指标的完成值不是数值", "actuals.yaml",
         "      公益活动举办次数: 按时完成",
         "指标值“≥3.00(次)”是定量指标，完成值“按时完成”不是数值"),
    Code("actual.not_a_date", ERROR, "截止日期指标的完成值不是日期", "actuals.yaml",
         "      成果发布时间: 3次", "指标值“2024年12月底前”是截止日期，完成值“3(次)”不是日期"),
    Code("actual.not_qualitative", ERROR, "定性指标的完成值是数值或日期", "actuals.yaml",
         "      知识分享效果: 98%", "指标值“显著提升”是定性指标，完成值“98(%)”却是数值"),
    Code("actual.has_operator", WARNING, "完成值带有比较符号", "actuals.yaml",
         "      社交媒体推送合格率: ≥98%", "完成值“≥98(%)”带有比较符号，按 98% 计"),
    Code("actual.percent_unit", ERROR, "百分比指标的完成值没有单位，且像是小数（Excel 的百分比）",
         "actuals.yaml", "      活动参与满意度: {actual: 0.9, reason: 问卷按小数填写}",
         "完成值“0.9”没有单位，指标值是百分数：可能指 90%（现按 0.9% 计）",
         "规则集选项 quantitative.bare_fraction: fraction 把这类小数读作百分数，不再报错"),
    Code("actual.scale_unit", WARNING, "带万、亿等的指标，完成值没有单位且大得多", "actuals.yaml",
         "      活动参与人次: 15000", "完成值“15000”没有单位，按 15000万人次 计"),

    # ---- the parser, as `evaluate parse` tells it (in a file: target.* and actual.*)
    Code("expression.empty", ERROR, "为空", "evaluate parse", "''", "指标值为空"),
    Code("expression.incomplete", ERROR, "不完整", "evaluate parse", "≥", "指标值不完整"),
    Code("expression.unexpected", ERROR, "此处不应出现的内容", "evaluate parse", "≥3-",
         "此处不应出现“-”"),
    Code("expression.unexpected_character", ERROR, "无法识别的字符", "evaluate parse", "≥3次\\",
         "无法识别的字符“\\”"),
    Code("expression.contradiction", ERROR, "比较符号自相矛盾", "evaluate parse", "≥95%以下",
         "“以下”与前面的比较符号矛盾"),
    Code("expression.range_order", ERROR, "范围下限大于上限", "evaluate parse", "5~3次",
         "范围下限大于上限"),
    Code("expression.range_units", ERROR, "范围两端单位不一致", "evaluate parse", "80%~90次",
         "范围两端单位不一致：“%”与“次”"),
    Code("expression.bad_date", ERROR, "不存在的日期", "evaluate parse", "2024年13月",
         "月份“13”不存在"),
    Code("expression.date_operator", ERROR, "日期前用了不能用的比较符号", "evaluate parse",
         "≥2024-12-31", "日期前不能用“≥”"),

    # ---- weights (分值)
    Code("weights.total", ERROR, "各指标分值合计不对", "actuals.yaml", "  城市日宣传推广:",
         "项目“城市日宣传推广”：各指标分值合计 100.00，应为 90（总分 100，其中预算执行率 10）"),
    Code("weights.category_overflow", ERROR, "一类已填的分值超过该类分值", "actuals.yaml",
         "      社交媒体推送合格率: 100%",
         "项目“城市日宣传推广”：产出指标类已填分值合计 60.00，超过该类分值 50，其余 1 项无分可分"),
    Code("weights.category_full", WARNING, "一类已填的分值已满，其余指标分值为 0", "actuals.yaml",
         "      社交媒体推送合格率: 100%",
         "项目“城市日宣传推广”：产出指标类已填分值合计 50.00，已满该类分值 50，其余 1 项分值为 0"),
    Code("weights.category_total", WARNING, "一类的分值合计与规则集不同", "actuals.yaml",
         "      每周社交媒体推送篇数: {actual: 6篇, weight: 20}",
         "项目“城市日宣传推广”：产出指标类分值合计 60.00，与该类的分值 50 不同"),

    # ---- budget execution
    Code("budget.zero", "error/warning", "全年预算数为 0", "actuals.yaml",
         "    budget: {adjusted: 0, executed: 0}",
         "项目“城市日管理研究”：全年预算数为 0，无法计算执行率，预算执行率一项得 0 分",
         note="执行数也为 0 时为警告；有执行数时为错误"),
    Code("budget.over_executed", WARNING, "执行数超过预算数", "actuals.yaml",
         "      executed: 120000.00",
         "项目“城市日宣传推广”全年执行数 120000.00 超过全年预算数 100000.00"),
    Code("budget.sources_sum", WARNING, "各资金来源之和与全年预算数（或执行数）不等",
         "actuals.yaml", "      adjusted: 100000.00",
         "项目“城市日宣传推广”当年财政拨款、上年结转资金、其他资金的全年预算数合计 90000.00，"
         "与全年预算数 100000.00 不等",
         note="只在三个来源都填了该数时检查；得分仍按合计数计算"),

    # ---- the unit's own scores
    Code("review.score_above_weight", ERROR, "自评得分超过分值", "actuals.yaml",
         "      知识分享效果: {actual: 显著提升, score: 40}",
         "“知识分享效果”的自评得分 40.00 超过分值 30.00，按规则得分 30.00 计"),
    Code("review.score_outside_band", ERROR, "自评得分不在档次的得分区间内", "actuals.yaml",
         "      城市可持续发展理念社会认可度: {actual: 持平, score: 10, reason: 宣传内容同质化}",
         "“城市可持续发展理念社会认可度”为“未达成”，自评得分率 66.67% 不在该档 [0%, 60%) 之内，"
         "按规则得分 0.00 计"),
    Code("review.score_differs", WARNING, "自评得分与规则得分不同", "actuals.yaml",
         "      知识分享效果: {actual: 显著提升, score: 40}",
         "“知识分享效果”自评得分 40.00 与规则得分 30.00 相差 10.00，比规则宽松"),
    Code("review.budget_score_above_weight", ERROR, "预算执行率自评得分超过分值", "actuals.yaml",
         "      score: 12", "预算执行率自评得分 12.00 超过分值 10，按规则得分 9.80 计"),
    Code("review.budget_score_mismatch", WARNING, "预算执行率自评得分与按执行率计算的不同（仍采用）",
         "actuals.yaml", "      score: 10",
         "预算执行率自评得分 10.00 与按执行率计算的 9.80 相差 0.20，比规则宽松"),
    Code("review.total_mismatch", ERROR, "填写的总分与各行得分合计不符", "actuals.yaml",
         "    total: 95", "项目“城市日宣传推广”填写的总分 95.00 与各行得分合计 99.80 不符"),
    Code("review.missing_reason", WARNING, "扣分但没有填写偏差原因", "actuals.yaml",
         "      公益活动举办次数: 2次", "“公益活动举办次数”扣分 5.56，但没有填写偏差原因"),
    Code("review.overachievement_unexplained", WARNING, "超额完成较多但没有说明原因",
         "actuals.yaml", "      新媒体内容被转载篇数: 20篇", "“新媒体内容被转载篇数”超额完成较多，但没有说明原因"),
    Code("review.achievement_gap", WARNING, "指标得分率远高于预算执行率", "actuals.yaml",
         "      executed: 538560.00",
         "项目“信息化建设项目”指标得分率 95.67% 高出预算执行率 88.00% 达 7.67 个百分点"),

    # ---- evaluate summary: unit folders
    Code("summary.missing_file", ERROR, "单位目录中缺少申报表或完成值文件", "UNIT/", "",
         "单位目录“ding”中没有完成值文件（actuals）"),
    Code("summary.ambiguous_file", ERROR, "单位目录中有两个申报表（或完成值、规则文件）", "UNIT/",
         "", "单位目录“jia”中有多个申报表（goals）：goals.yaml、goals.yml"),
    Code("archive.not_sqlite", ERROR, "归档文件不是 SQLite 数据库", "--archive",
         "--archive 汇总.xlsx", "归档文件“汇总.xlsx”不是 SQLite 数据库"),
    Code("archive.read_only", ERROR, "归档文件只读，无法写入", "--archive",
         "--archive 2023.db（只读）", "归档文件“2023.db”是只读的，无法写入"),
    Code("archive.newer_version", ERROR, "归档由更新版本的 Jixiao 写入", "--archive",
         "--archive 归档.db", "归档文件“归档.db”由更新版本的 Jixiao 写入（版本 3，本程序认识到 2）"),

    # ---- rule sets (and the schema family below)
    Code("rules.not_found", ERROR, "找不到规则集", "--rules", "--rules no-such-set",
         "找不到规则集“no-such-set”"),
    Code("rules.cycle", ERROR, "规则集循环继承", "rules.yaml", "extends: rules.yaml",
         "规则集循环继承“rules.yaml”"),
    Code("rules.extends_outside", ERROR, "extends 指向规则文件所在目录以外", "rules.yaml",
         "extends: ../other/rules.yaml",
         "extends 只能指向内置规则集，或本规则文件所在目录（及其子目录）中的文件",
         "目标文件不被读取，也不在信息中引用"),
    Code("rules.root", ERROR, "规则集最外层不是映射", "rules.yaml", "- extends: mof-2020",
         "规则集的最外层应为“名称: 值”形式的映射"),

    # ---- evaluate import (a unit's 申报表 and 自评表, as text, Excel, Word or PDF)
    Code("import.unreadable", ERROR, "来源文件无法读取（不是所说的格式、损坏、扫描件）", "申报表.pdf",
         "（没有文字层的扫描件）", "申报表.pdf 没有文字层（可能是扫描件），无法读取表格；请先做文字识别（OCR）"),
    Code("import.encoding", WARNING, "文本不是 UTF-8，按 GB18030 读取", "申报表.txt",
         "（以 GBK 保存的文本）", "文件不是 UTF-8，按 GB18030 读取"),
    Code("import.no_project", WARNING, "来源中没有项目", "说明.txt", "这是一份说明",
         "说明.txt 中没有找到项目（没有“项目名称”一行）"),
    Code("import.not_a_project", WARNING, "项目一览（汇总表），不是申报表或自评表", "自评表.xlsx",
         "项目名称 | 全年预算数 | 全年执行数 | 执行率 | 总分",
         "这是项目一览（汇总表），不是申报表或自评表，未导入"),
    Code("import.unplaced", WARNING, "无法归入项目或指标表的行", "申报表.txt", "放行批注",
         "未导入的行（不是完整的指标行：缺三级指标或指标值）：放行批注"),
    Code("import.stray_cell", WARNING, "指标行里多出的单元格（不是标准目录中的指标名称）", "申报表.txt",
         "双语指标\t生态效益指标\t传播生态理念\t显著提升",
         "“双语指标”不是标准目录中的一级或二级指标，未导入"),
    Code("import.unplaced_indicator", ERROR, "指标行找不到二级指标", "申报表.txt",
         "\t\t宣传品制作成本\t合理", "指标“宣传品制作成本”找不到所属的二级指标（本行及上下均无标签）"),
    Code("import.duplicate_indicator", ERROR, "同一二级指标下三级指标重名", "申报表.txt",
         "\t\t成本控制\t有效控制", "“成本指标/经济成本指标”下已有三级指标“成本控制”，这一行未导入"),
    Code("import.duplicate_project", ERROR, "同一项目读到两次", "申报表2.txt", "项目名称\t城市日宣传推广",
         "项目“城市日宣传推广”已在前面读到，这一份未导入"),
    Code("import.header", ERROR, "指标表头没有年度指标值列", "申报表.txt", "一级指标\t二级指标\t三级指标",
         "指标表头没有“年度指标值”列"),
    Code("import.money", ERROR, "金额不是数字", "申报表.txt", "年度资金申请总额\t一百万",
         "金额“一百万”不是数字"),
    Code("import.date", WARNING, "计划开始、完成日期无法识别", "申报表.txt", "计划开始日期\t年初",
         "日期“年初”无法识别，未导入"),
    Code("import.weight", ERROR, "分值不是数字", "自评表.xlsx", "（分值列）五", "分值“五”不是数字"),
    Code("import.score", ERROR, "得分或总分不是数字", "自评表.xlsx", "（得分列）满分",
         "得分“满分”不是数字"),
    Code("import.no_funds", ERROR, "项目没有年度资金总额", "申报表.txt", "项目名称\t城市日宣传推广",
         "项目“城市日宣传推广”没有找到年度资金总额"),
    Code("import.no_indicators", ERROR, "项目没有指标表", "申报表.txt", "项目名称\t城市日宣传推广",
         "项目“城市日宣传推广”没有找到指标表"),
    Code("import.funds_unit", ERROR, "各项目金额单位不同（元与万元）", "申报表.txt", "项目资金（万元）",
         "各项目的金额单位不同（万元、元）"),
    Code("import.years", WARNING, "来源中有不止一个年度", "申报表.txt", "（2023年度）",
         "来源中有不止一个年度（2023、2024），按 2023 年写入"),
    Code("import.no_year", ERROR, "来源中没有年度", "申报表.txt", "", "来源中没有找到年度（如“（2024年度）”）"),
)

FAMILIES: tuple[Family, ...] = (
    Family("target", "expression", "年度指标值",
           "申报表里的指标值无法识别，消息为“年度指标值“…”无法识别：”加上表达式的说明；"
           "空的指标值为 target.empty"),
    Family("actual", "expression", "实际完成值",
           "完成值文件里的完成值无法识别，消息为“实际完成值“…”无法识别：”加上表达式的说明；"
           "空的完成值为 actual.empty"),
    Family("rules", "schema", "规则集",
           "规则集文件的字段与类型错误，说法与申报表、完成值文件相同"),
)

GROUPS = {
    "file": "文件", "yaml": "YAML 格式", "schema": "字段与类型", "goals": "申报表（goals）",
    "actuals": "完成值文件（actuals）与申报表的对应", "target": "年度指标值", "actual": "实际完成值",
    "expression": "指标值与完成值的写法（evaluate parse）", "weights": "分值", "budget": "预算执行率",
    "review": "自评得分的复核", "rules": "规则集", "import": "导入单位的申报表、自评表（evaluate import）",
}


def derived() -> dict[str, tuple[Family, Code]]:
    """Every code a family tells, with its family and the code it is told from."""
    found = {}
    for family in FAMILIES:
        for entry in CODES:
            if entry.code.startswith(family.source + "."):
                found[family.prefix + entry.code[len(family.source):]] = (family, entry)
    return found


def declared() -> dict[str, frozenset[str]]:
    """Every declared code and the severities it is given with."""
    codes = {code: source.severities for code, (_, source) in derived().items()}
    codes.update((entry.code, entry.severities) for entry in CODES)
    return codes


_SEVERITY = {ERROR: "错误", WARNING: "警告", "error/warning": "错误或警告"}


def markdown() -> str:
    lines = [
        "# 诊断代码一览",
        "",
        "<!-- Written by `python -m evaluator.catalogue > docs/diagnostics.md` from",
        "     evaluator/catalogue.py: edit that table, never this page. -->",
        "",
        "Every problem Jixiao finds is printed as `FILE:LINE:COL: severity[code] message` (a cell",
        "of a workbook as `FILE:Sheet!B12`), with the line and a caret under the offending text.",
        "错误 (error) makes the run exit 1; 警告 (warning) only under `--strict`. Each code below",
        "shows an input that gives it and the message printed.",
        "",
    ]
    families = {family.prefix: family for family in FAMILIES}
    by_group: dict[str, list[Code]] = {}
    for entry in CODES:
        by_group.setdefault(entry.code.split(".", 1)[0], []).append(entry)
    groups = list(dict.fromkeys([*GROUPS, *by_group, *families]))
    for group in groups:
        entries = by_group.get(group, [])
        family = families.get(group)
        if not entries and family is None:
            continue
        lines += [f"## {GROUPS.get(group, group)}（{group}.*）", ""]
        for entry in entries:
            lines += [f"### `{entry.code}` · {_SEVERITY[entry.severity]} · {entry.title}", ""]
            if entry.note:
                lines += [entry.note, ""]
            shown = entry.input if entry.input else "（整个文件）"
            lines += ["```text", f"{entry.file} │ {shown}",
                      f"{entry.severity.split('/')[-1]}[{entry.code}] {entry.message}", "```", ""]
        if family is not None:
            told = [(code, source) for code, (f, source) in derived().items()
                    if f is family and code not in {e.code for e in CODES}]
            lines += [f"{family.about}。", "", "| 代码 | 级别 | 说明 |", "|---|---|---|"]
            lines += [f"| `{code}` | {_SEVERITY[source.severity]} | {family.title}：{source.title}"
                      f"（同 `{source.code}`） |" for code, source in told]
            lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.buffer.write(markdown().encode("utf-8"))
