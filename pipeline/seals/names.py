"""Decoding a seal's name from its arc lattice with a prior on the fixed words of Chinese organisation names.

A company name follows a fixed structure (企业名称登记管理规定): administrative region (省 / 市 / 区) + trade name (字号,
free) + industry words + organisation form (有限公司, 股份有限公司, ...); a bank seal's name is a bank, a city and
支行 / 分行. Most misreads of a seal's name are one or two characters inside those common words (北震市 for 北京市,
股粉 for 股份, 有距责任 for 有限责任), where the recogniser still gave the true character real probability.

:func:`decode` runs a CTC prefix beam search over the lattice (the recogniser's top characters per time step,
:mod:`pipeline.ocr.lattice`) whose score is the lattice's own log probability plus a bonus for every lexicon word the
text spells (:data:`WORD_BONUS` per character; the best segmentation of the text into lexicon words and free characters
counts). Characters come only from the lattice, and only those it gave at least :data:`MIN_PROB` at a step: the trade
name, and any word the recogniser did not see, stay as read; another organisation's name stays another's (no party
name from the page is ever used). The lexicon is general knowledge, written out below: every province and
prefecture-level city, the districts of the municipalities and of the largest cities, the common industry words of
the national industry classification (GB/T 4754) and of registered company names, the organisation forms, and the
banks and their branch words.
"""

from __future__ import annotations

import math
from functools import lru_cache

from pipeline.ocr.lattice import FLOOR, Lattice, best_path, spot

MIN_PROB = 0.005  # a character is proposed at a step only when the recogniser gave it at least this there (0.02
#                   before session 5; with the reader's wider lattice, 0.005 mended 6 more owners of 609 generated
#                   seals and broke none; 0.002 gave the same on the scenario seals)
WORD_BONUS = 2.0  # log-score bonus per character of a lexicon word the text spells: a two-character word outweighs a
#                   probability ratio up to e^4 against the best path's, so MIN_PROB is what bounds a correction in
#                   practice (measured: 1.0 -> 2.0 five more exact owners on the scenario seals, 2.5 and 3.0 none)
BEAM = 24  # hypotheses kept per time step (12 with the narrow lattice; with 20 characters per step 12 lost 智能装备
#           to 智能製备 on a held-out fax seal, the right prefix pruned before 备 came)
TRADITIONAL_PENALTY = 2.0  # log-score cost of a traditional form (a mainland name is registered in simplified
#                            characters: 潤 read where the lattice also gives 润 becomes 润)

# traditional -> simplified forms of characters common in organisation names (trade names included: a registered
# name is written in simplified characters, whatever the word)
_TRAD = ("潤润 納纳 銀银 廣广 東东 華华 國国 電电 網网 絡络 發发 業业 產产 實实 興兴 達达 鐵铁 錦锦 寶宝 豐丰 嶺岭 瀾澜 "
         "銳锐 騰腾 龍龙 鳳凤 億亿 聯联 農农 貿贸 醫医 藥药 機机 設设 備备 築筑 裝装 飾饰 務务 據据 訊讯 軟软 體体 導导 "
         "術术 匯汇 滙汇 衛卫 質质 檢检 測测 環环 開开 關关 陽阳 雲云 義义 傳传 廈厦 門门 險险 證证 貸贷 紡纺 織织 鋼钢 "
         "鋁铝 銅铜 屬属 製制 車车 輪轮 軸轴 閥阀 儀仪 錶表 燈灯 線线 纜缆 區区 縣县 鎮镇 蘇苏 遼辽 灣湾 貴贵 慶庆 陝陕 "
         "寧宁 廳厅 協协 會会 團团 創创 長长 碩硕 恆恒 峯峰 啟启 榮荣 輝辉 顯显 緯纬 遠远 邁迈 馳驰 鵬鹏 鴻鸿 瑩莹 "
         "濤涛 灝灏 偉伟 禮礼 園园 圓圆 貨货 運运 邊边 進进 選选 連连 際际 曉晓 書书 圖图 學学 稅税 總总 專专 廠厂 張张 "
         "劉刘 陳陈 楊杨 黃黄 趙赵 吳吴 鄭郑 謝谢 馮冯 許许 鄧邓 蕭萧 韓韩 葉叶 羅罗 麗丽 雙双 臺台 萬万 價价 為为 樂乐 "
         "藝艺 歐欧 點点 資资 財财 費费 貝贝 購购 經经 營营 廣广 場场 屬属 電电 話话 訂订 計计 認认 詢询 諮咨 質质 鑽钻 "
         "礦矿 煉炼 燃燃 熱热 氣气 電电 勝胜 紅红 綠绿 藍蓝 聖圣 麥麦 鮮鲜 魚鱼 雞鸡 糧粮 飼饲 餐餐 飲饮 館馆 穀谷 麵面 "
         "壹壹 貳贰 陸陆 捌捌 號号 標标 準准 優优 億亿 嘉嘉 盛盛 潔洁 淨净 滬沪 彙汇 滙汇 邦邦 傑杰 瑪玛 頓顿 韻韵 響响 "
         "順顺 頂顶 領领 額额 頭头 題题 風风 飛飞 馬马 驅驱 驛驿 鳥鸟 鷹鹰 黨党 齊齐 齒齿 錫锡 鋒锋 銘铭 鈞钧 鈺钰 鏈链 "
         "鍵键 鏡镜 鐘钟 閃闪 間间 隊队 隨随 離离 靈灵 韋韦 頻频 類类 餘余 騎骑 驗验 魯鲁 嶸嵘 崢峥 巖岩 徑径 從从 復复 "
         "憶忆 應应 戰战 擁拥 擴扩 攜携 數数 斷断 時时 晉晋 暢畅 條条 來来 楓枫 樓楼 樞枢 橋桥 櫃柜 權权 歡欢 澤泽 濱滨 "
         "燦灿 爐炉 現现 瑋玮 璽玺 畢毕 畫画 當当 療疗 盡尽 監监 盤盘 眾众 礎础 碼码 確确 種种 稱称 積积 穩稳 競竞 筆笔 "
         "範范 簡简 節节 紀纪 約约 純纯 紙纸 級级 組组 細细 終终 結结 給给 統统 絲丝 綜综 維维 綫线 緣缘 編编 緻致 績绩 "
         "繩绳 繪绘 繼继 續续 職职 聲声 腦脑 膠胶 臨临 舉举 莊庄 蓋盖 蘭兰 處处 補补 複复 規规 視视 覺觉 觀观 訓训 記记 "
         "評评 試试 誠诚 誌志 調调 請请 諾诺 謀谋 謙谦 識识 譜谱 譯译 護护 讀读 變变 讓让 貞贞 貢贡 責责 賀贺 賓宾 賣卖 "
         "賢贤 贏赢 躍跃 軍军 軒轩 載载 較较 輔辅 輕轻 輸输 轉转 辦办 遊游 違违 遞递 適适 遷迁 遺遗 還还 鄉乡 釋释 錢钱 "
         "鎖锁 鑄铸 閣阁 闆板 陸陆 隱隐 雙双 靜静 頁页 項项 須须 預预 顧顾 飯饭 養养 館馆 駐驻 鳴鸣 鶴鹤 麗丽 龍龙 強强")
TRADITIONAL = {p[0]: p[1] for p in _TRAD.split() if p[0] != p[1]}

# provincial-level units: 省 / 自治区 / 市 (municipalities), each also bare (北京华为 ...)
PROVINCES = ("河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 云南 陕西 甘肃 "
             "青海 台湾").split()
AUTONOMOUS = ("内蒙古 广西壮族 西藏 宁夏回族 新疆维吾尔").split()
MUNICIPALITIES = "北京 天津 上海 重庆".split()
# prefecture-level cities (地级市), by province; the autonomous prefectures and leagues follow
CITIES = """
石家庄 唐山 秦皇岛 邯郸 邢台 保定 张家口 承德 沧州 廊坊 衡水
太原 大同 阳泉 长治 晋城 朔州 晋中 运城 忻州 临汾 吕梁
呼和浩特 包头 乌海 赤峰 通辽 鄂尔多斯 呼伦贝尔 巴彦淖尔 乌兰察布
沈阳 大连 鞍山 抚顺 本溪 丹东 锦州 营口 阜新 辽阳 盘锦 铁岭 朝阳 葫芦岛
长春 吉林 四平 辽源 通化 白山 松原 白城
哈尔滨 齐齐哈尔 鸡西 鹤岗 双鸭山 大庆 伊春 佳木斯 七台河 牡丹江 黑河 绥化
南京 无锡 徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁
杭州 宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山 台州 丽水
合肥 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 安庆 黄山 滁州 阜阳 宿州 六安 亳州 池州 宣城
福州 厦门 莆田 三明 泉州 漳州 南平 龙岩 宁德
南昌 景德镇 萍乡 九江 新余 鹰潭 赣州 吉安 宜春 抚州 上饶
济南 青岛 淄博 枣庄 东营 烟台 潍坊 济宁 泰安 威海 日照 临沂 德州 聊城 滨州 菏泽
郑州 开封 洛阳 平顶山 安阳 鹤壁 新乡 焦作 濮阳 许昌 漯河 三门峡 南阳 商丘 信阳 周口 驻马店 济源
武汉 黄石 十堰 宜昌 襄阳 鄂州 荆门 孝感 荆州 黄冈 咸宁 随州 仙桃 潜江 天门
长沙 株洲 湘潭 衡阳 邵阳 岳阳 常德 张家界 益阳 郴州 永州 怀化 娄底
广州 韶关 深圳 珠海 汕头 佛山 江门 湛江 茂名 肇庆 惠州 梅州 汕尾 河源 阳江 清远 东莞 中山 潮州 揭阳 云浮
南宁 柳州 桂林 梧州 北海 防城港 钦州 贵港 玉林 百色 贺州 河池 来宾 崇左
海口 三亚 三沙 儋州
成都 自贡 攀枝花 泸州 德阳 绵阳 广元 遂宁 内江 乐山 南充 眉山 宜宾 广安 达州 雅安 巴中 资阳
贵阳 六盘水 遵义 安顺 毕节 铜仁
昆明 曲靖 玉溪 保山 昭通 丽江 普洱 临沧
拉萨 日喀则 昌都 林芝 山南 那曲
西安 铜川 宝鸡 咸阳 渭南 延安 汉中 榆林 安康 商洛
兰州 嘉峪关 金昌 白银 天水 武威 张掖 平凉 酒泉 庆阳 定西 陇南
西宁 海东
银川 石嘴山 吴忠 固原 中卫
乌鲁木齐 克拉玛依 吐鲁番 哈密 石河子
香港 澳门
""".split()
PREFECTURES = ("延边朝鲜族 恩施土家族苗族 湘西土家族苗族 阿坝藏族羌族 甘孜藏族 凉山彝族 黔西南布依族苗族 黔东南苗族侗族 "
               "黔南布依族苗族 楚雄彝族 红河哈尼族彝族 文山壮族苗族 西双版纳傣族 大理白族 德宏傣族景颇族 临夏回族 "
               "甘南藏族 昌吉回族 巴音郭楞蒙古 伊犁哈萨克").split()
# county-level cities often seen in company names (manufacturing and trade towns)
COUNTY_CITIES = ("昆山 江阴 张家港 常熟 太仓 宜兴 义乌 慈溪 余姚 诸暨 乐清 瑞安 温岭 晋江 石狮 南安 福清 顺德 增城 "
                 "从化 即墨 胶州 寿光 龙口 荣成 长葛 巩义 新郑 浏阳 宁乡 都江堰 彭州 简阳").split()
# the districts of the municipalities and of the largest cities (a bank branch's name, a company's full address)
DISTRICTS = """
东城 西城 朝阳 丰台 石景山 海淀 门头沟 房山 通州 顺义 昌平 大兴 怀柔 平谷 密云 延庆
黄浦 徐汇 长宁 静安 普陀 虹口 杨浦 闵行 宝山 嘉定 浦东新 金山 松江 青浦 奉贤 崇明
和平 河东 河西 南开 河北 红桥 东丽 西青 津南 北辰 武清 宝坻 滨海新 宁河 静海 蓟州
渝中 江北 沙坪坝 九龙坡 南岸 北碚 渝北 巴南 万州 涪陵 大渡口 两江新
福田 罗湖 南山 宝安 龙岗 盐田 龙华 坪山 光明 大鹏新
越秀 海珠 荔湾 天河 白云 黄埔 番禺 花都 南沙
上城 拱墅 西湖 滨江 萧山 余杭 临平 钱塘 富阳 临安
玄武 秦淮 建邺 鼓楼 浦口 栖霞 雨花台 江宁 六合 溧水 高淳
锦江 青羊 金牛 武侯 成华 龙泉驿 青白江 新都 温江 双流 郫都 新津
江岸 江汉 硚口 汉阳 武昌 青山 洪山 东西湖 汉南 蔡甸 江夏 黄陂 新洲
新城 碑林 莲湖 雁塔 未央 灞桥 长安 临潼 阎良 高陵 鄠邑
姑苏 虎丘 吴中 相城 吴江 工业园
历下 市中 槐荫 天桥 历城 长清 章丘 市南 市北 黄岛 崂山 李沧 城阳
思明 湖里 集美 海沧 同安 翔安
岳麓 芙蓉 天心 开福 雨花 望城
高新 经济技术开发 高新技术产业开发
""".split()

# industry words: the national industry classification (GB/T 4754) and the words registered company names use
INDUSTRY = """
科技 技术 科学技术 高新技术 新技术 信息 信息技术 信息科技 网络 网络科技 网络技术 软件 软件技术 软件开发 计算机 电脑 硬件
系统 系统集成 集成 数据 大数据 数据服务 数据科技 云计算 云服务 互联网 物联网 区块链 人工智能 智能 智能科技 智能技术
智能装备 智能制造 数字 数字科技 数字技术 数码 通信 通讯 通信技术 电子 电子科技 电子技术 电子商务 电子设备 电器 电气
电气设备 电力 电力工程 电力设备 电源 电机 电池 电缆 电线 线缆 光电 光电科技 光学 光纤 激光 半导体 集成电路 芯片 微电子
传感 传感器 仪器 仪表 仪器仪表 自动化 自动化设备 控制 机器人 机械 机械设备 机械制造 机电 机电设备 设备 装备 精密
精密机械 精工 五金 五金制品 模具 机床 数控 刀具 工具 轴承 齿轮 阀门 泵业 液压 气动 紧固件 标准件 零部件 配件 汽车
汽车零部件 汽配 汽车销售 汽车服务 新能源汽车 交通 交通设施 轨道交通 航空 航天 船舶 海洋 材料 新材料 复合材料 纳米
金属 金属制品 金属材料 有色金属 钢铁 钢材 钢结构 不锈钢 铝业 铝材 铜业 铸造 锻造 焊接 表面处理 热处理 冲压 钣金 注塑
塑料 塑胶 塑料制品 橡胶 橡塑 化工 化学 精细化工 化工材料 涂料 油墨 胶粘 化纤 新能源 能源 能源科技 节能 节能环保
节能科技 环保 环保科技 环境 环境工程 环境科技 环保设备 水处理 净化 污水处理 固废 再生资源 资源 回收 光伏 风电 储能
锂电 充电 热能 燃气 天然气 石油 石化 煤炭 矿业 矿产 冶金 水务 水利 水电 建筑 建筑工程 建筑装饰 建设 建设工程 工程
工程技术 工程管理 工程咨询 土木工程 市政 市政工程 路桥 园林 园林绿化 绿化 景观 装饰 装饰工程 装饰设计 装修 幕墙 门窗
建材 建筑材料 水泥 混凝土 石材 陶瓷 玻璃 木业 家具 家居 管道 管业 暖通 空调 制冷 电梯 起重 压力容器 锅炉 消防
消防工程 安防 安全 安全技术 保安 智慧 设计 规划 规划设计 勘察 勘察设计 测绘 检测 检验 认证 测试 计量 咨询 管理
管理咨询 企业管理 信息咨询 技术咨询 商务咨询 咨询服务 服务 技术服务 商务服务 企业服务 信息服务 管理服务 外包 人力资源
劳务 劳务派遣 财务 会计 税务 审计 法律 知识产权 专利 商标 投资 投资管理 资产管理 股权投资 创业投资 实业投资 金融
金融服务 金融信息 融资租赁 租赁 保险 证券 基金 担保 典当 小额贷款 商业保理 控股 实业 产业 发展 集团 贸易 商贸 国际贸易
进出口 外贸 经贸 工贸 商务 商业 批发 零售 连锁 超市 百货 供应链 供应链管理 物流 国际物流 物流科技 运输 货运 货物运输
仓储 冷链 快递 配送 港口 航运 物资 医药 医药科技 药业 制药 生物医药 中药 生物 生物科技 生物技术 生物工程 基因 医疗
医疗器械 医疗科技 医疗设备 器械 医学 健康 健康管理 健康科技 卫生 养老 母婴 美容 化妆品 日用品 日化 食品 食品科技
食品贸易 饮料 酒业 茶业 农业 农业科技 农产品 林业 渔业 畜牧 养殖 种植 水产 生鲜 粮油 饲料 餐饮 餐饮管理 酒店
酒店管理 旅游 旅行社 文旅 文化 文化传播 文化传媒 文化发展 文化艺术 传媒 传播 广告 广告传媒 影视 影视文化 动漫 游戏
娱乐 体育 体育文化 健身 会展 展览 展示 策划 营销 品牌 品牌管理 创意 设计 印刷 包装 包装材料 纸业 纸制品 纺织 服装
服饰 鞋业 皮革 箱包 珠宝 首饰 工艺品 礼品 文具 办公 办公设备 办公用品 教育 教育科技 教育咨询 培训 职业技能培训 出版
图书 房地产 房地产开发 地产 置业 物业 物业管理 物业服务 家政 家政服务 保洁 清洁 环境卫生 园区 孵化器 科创 创新 研发
开发 技术开发 研究 科研 制造 制品 加工 生产 工业 工业科技 实验 仪器设备 计算机系统 软件和信息技术服务 信息系统
信息安全 网络安全 网络工程 智能化 智能化工程 新型 绿色 生态 低碳 现代 国际 中国 中外合资 中外合作
""".split()

# organisation forms and other name endings
FORMS = """
有限公司 有限责任公司 股份有限公司 股份公司 集团有限公司 集团股份有限公司 控股有限公司 控股集团有限公司 集团公司 总公司 分公司
公司 有限合伙 普通合伙 合伙企业 个人独资企业 独资企业 工作室 经营部 门市部 商行 工厂 厂 研究院 研究所 设计院 事务所
律师事务所 会计师事务所 税务师事务所 中心 服务中心 技术中心 合作社 专业合作社 协会 商会 学会 基金会 委员会 学校 大学
学院 医院 诊所 门诊部 有限 责任 股份 集团
""".split()

# banks and the words of their branches' names
BANKS = """
银行 中国银行 中国工商银行 工商银行 中国农业银行 农业银行 中国建设银行 建设银行 交通银行 中国邮政储蓄银行 邮政储蓄银行
邮储银行 招商银行 上海浦东发展银行 浦发银行 中信银行 中国光大银行 光大银行 华夏银行 中国民生银行 民生银行 广发银行
平安银行 兴业银行 浙商银行 渤海银行 恒丰银行 国家开发银行 中国进出口银行 中国农业发展银行 北京银行 上海银行 江苏银行
宁波银行 南京银行 杭州银行 徽商银行 重庆银行 成都银行 长沙银行 天津银行 厦门银行 青岛银行 苏州银行 北京农商银行
上海农商银行 农村商业银行 农商银行 农村合作银行 农村信用合作联社 农村信用合作社 信用合作联社 信用合作社 信用社 村镇银行
股份有限公司 支行 分行 营业部 营业室 分理处 储蓄所 清算中心 业务部 总行 营业厅
""".split()

# seal titles and the tax administration's words (an arc may carry them too)
TITLES = """
全国统一发票监制章 发票监制章 监制章 发票专用章 财务专用章 合同专用章 业务专用章 电子回单专用章 回单专用章 专用章 转讫 公章
国家税务总局 税务局 人民政府 财政局 财政厅 市场监督管理局
""".split()


def _lexicon() -> frozenset[str]:
    words: set[str] = set()
    for p in PROVINCES:
        words.update((p, p + "省"))
    for p in AUTONOMOUS:
        words.update((p + "自治区",))
    words.update(("内蒙古", "广西", "西藏", "宁夏", "新疆"))
    for c in MUNICIPALITIES + CITIES + COUNTY_CITIES:
        words.update((c, c + "市"))
    for p in PREFECTURES:
        words.add(p + "自治州")
    for d in DISTRICTS:
        words.add(d + "区")
    words.update(w for w in INDUSTRY + FORMS + BANKS + TITLES)
    return frozenset(w for w in words if len(w) >= 2)


LEXICON = _lexicon()
_MAX_WORD = max(len(w) for w in LEXICON)


def _tax_bureaus() -> dict[str, str]:
    """{name: its region's distinctive characters} of the tax bureaus whose name a supervision seal (全国统一发票监制章)
    carries. Since 2018: the provincial bureau under the State Taxation Administration (国家税务总局江苏省税务局, and
    the cities with their own plan: 国家税务总局深圳市税务局). Before: the region's state or local bureau
    (四川国家税务总局监制, 江苏省国家税务局监制, 江苏省地方税务局监制). Every prefecture-level city is listed too, so
    that a city's own bureau is never taken for a neighbour's."""
    regions = [(p + "省", p) for p in PROVINCES] + [(m + "市", m) for m in MUNICIPALITIES + CITIES]
    regions += [(a + "自治区", a) for a in AUTONOMOUS]
    out: dict[str, str] = {}
    for full, core in regions:
        for name in (f"国家税务总局{full}税务局", f"{core}国家税务总局监制", f"{full}国家税务局监制",
                     f"{full}地方税务局监制"):
            out.setdefault(name, core)
    return out


TAX_BUREAUS = _tax_bureaus()


@lru_cache(maxsize=65536)
def _ends(text: str) -> tuple[int, ...]:
    """Lengths of the lexicon words ``text`` ends with."""
    return tuple(k for k in range(2, min(_MAX_WORD, len(text)) + 1) if text[-k:] in LEXICON)


def _segmentation(text: str, bonus: float) -> tuple[list[float], list[int]]:
    """Best lexicon score of every prefix of ``text`` (lexicon words ``bonus`` per character, free characters
    nothing) and the length of the step that ends it (a word's length, or 1)."""
    best, back = [0.0], [0]
    for i in range(1, len(text) + 1):
        s, b = best[i - 1], 1
        for k in _ends(text[:i]):
            if best[i - k] + bonus * k > s:
                s, b = best[i - k] + bonus * k, k
        best.append(s)
        back.append(b)
    return best, back


def prior(text: str, bonus: float = WORD_BONUS) -> float:
    """The lexicon score of a text: the best segmentation into lexicon words (``bonus`` per character) and free
    characters (nothing)."""
    return _segmentation(text, bonus)[0][-1]


def _lse(a: float, b: float) -> float:
    if a < b:
        a, b = b, a
    return a if b == -math.inf else a + math.log1p(math.exp(b - a))


def decode(lattice: Lattice, bonus: float = WORD_BONUS, min_prob: float = MIN_PROB,
           beam: int = BEAM) -> tuple[str, float]:
    """The name along a seal's arc: ``(text, score)``, the text the lattice and the lexicon together make likeliest.

    Without a lexicon word the lattice supports it is the lattice's best path (what ``recognize`` reads); the score
    is the best path's (the mean probability of its characters) when the text is unchanged, else the mean probability
    the lattice gives each character of the new text where it aligns (:func:`pipeline.ocr.lattice.spot`)."""
    read, score = best_path(lattice)
    if not lattice or bonus <= 0:
        return read, score
    text = _search(lattice, bonus, min_prob, beam)
    if text != read and text:
        text = anchored(read, text)
    if text == read or not text:
        return read, score
    sp = spot(lattice, text)
    return text, round(sum(sp.support) / len(sp.support), 4) if sp.support else score


def _search(lattice: Lattice, bonus: float, min_prob: float, beam: int) -> str:
    """CTC prefix beam search; a hypothesis is ``prefix -> [log p(ends in blank), log p(ends in its last char), lm
    score of the prefix (the lexicon segmentation's best, with the scores of its shorter prefixes kept)]``."""
    NEG = -math.inf
    beams: dict[str, tuple[float, float, tuple[float, ...]]] = {"": (0.0, NEG, (0.0,))}
    for blank, top in lattice:
        lb = math.log(max(blank, FLOOR))
        probs = dict(top)
        cands = [(ch, math.log(p) - (TRADITIONAL_PENALTY if ch in TRADITIONAL else 0.0)) for ch, p in top
                 if p >= min_prob]
        if top and all(ch != top[0][0] for ch, _ in cands):
            cands.append((top[0][0], math.log(max(top[0][1], FLOOR))))
        new: dict[str, list] = {}

        def add(prefix: str, pb: float, pnb: float, lm: tuple[float, ...]) -> None:
            cur = new.get(prefix)
            if cur is None:
                new[prefix] = [pb, pnb, lm]
            else:
                cur[0] = _lse(cur[0], pb)
                cur[1] = _lse(cur[1], pnb)

        for prefix, (pb, pnb, lm) in beams.items():
            total = _lse(pb, pnb)
            add(prefix, total + lb, NEG, lm)
            if prefix:  # the last character held
                last = prefix[-1]
                add(prefix, NEG, pnb + math.log(max(probs.get(last, FLOOR), FLOOR)), lm)
            for ch, lp in cands:
                ext = prefix + ch
                if prefix and ch == prefix[-1]:  # a repeat needs a blank between
                    if pb == NEG:
                        continue
                    p = pb + lp
                else:
                    p = total + lp
                if ext in new:
                    add(ext, NEG, p, lm)
                    continue
                s = lm[-1]
                for k in _ends(ext):
                    s = max(s, lm[len(ext) - k] + bonus * k)
                add(ext, NEG, p, lm + (s,))
        ranked = sorted(new.items(), key=lambda kv: _lse(kv[1][0], kv[1][1]) + kv[1][2][-1], reverse=True)
        beams = {k: (v[0], v[1], v[2]) for k, v in ranked[:beam]}
    return max(beams.items(), key=lambda kv: _lse(kv[1][0], kv[1][1]) + kv[1][2][-1])[0].strip()


def segment(text: str, bonus: float = WORD_BONUS) -> list[tuple[int, int]]:
    """The lexicon words of the text's best segmentation (:func:`prior`), as ``(start, end)`` spans."""
    back = _segmentation(text, bonus)[1]
    out, i = [], len(text)
    while i > 0:
        if back[i] > 1:
            out.append((i - back[i], i))
        i -= back[i]
    return out[::-1]


MAX_CHANGED = 2  # characters of one lexicon word the decoding may change; the rest of it must be read as is


def anchored(read: str, text: str) -> str:
    """``text`` with only those of its changes to ``read`` that mend a lexicon word read partly as is: every
    character changed or added lies in a word of the text's segmentation of which at least one character (and all
    but :data:`MAX_CHANGED`) was read as is. A word the decoding put where nothing of it was read (上海 inside
    garbage, 协会 for 物) is left out: the lattice's weak guesses in an unreadable stretch are no evidence of it."""
    from difflib import SequenceMatcher

    ops = SequenceMatcher(None, read, text, autojunk=False).get_opcodes()
    changed = [False] * len(text)
    for tag, _, _, j1, j2 in ops:
        if tag != "equal":
            for j in range(j1, j2):
                changed[j] = True
    words = segment(text)

    def word_at(j: int) -> tuple[int, int] | None:
        return next(((a, b) for a, b in words if a <= j < b), None)

    def ok_word(w: tuple[int, int] | None) -> bool:
        if w is None:
            return False
        n = sum(changed[w[0]:w[1]])
        return n < w[1] - w[0] and n <= MAX_CHANGED

    out = []
    for tag, i1, i2, j1, j2 in ops:
        if tag == "equal":
            out.append(read[i1:i2])
        elif tag == "delete":  # characters dropped: only between two characters of one mended word
            w = word_at(j1) if 0 < j1 < len(text) else None
            keep = not (w is not None and w[0] < j1 and ok_word(w))
            out.append(read[i1:i2] if keep else "")
        elif tag == "replace" and all(TRADITIONAL.get(a) == b for a, b in zip(read[i1:i2], text[j1:j2])) and \
                i2 - i1 == j2 - j1:  # a traditional form read where the lattice also gave the simplified one
            out.append(text[j1:j2])
        elif all(ok_word(word_at(j)) for j in range(j1, j2)):
            out.append(text[j1:j2])
        else:
            out.append(read[i1:i2])
    return "".join(out)
