"""Write the bundled SYNTHETIC sample corpus (monitor/sample_data) deterministically; stdlib only."""

from __future__ import annotations

import argparse
import gzip
import io
import json
import math
import random
import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

SEED = 20261123
WEEK_LABELS = [f"2026-W{n}" for n in range(40, 48)]
START = datetime(2026, 9, 28, tzinfo=UTC)  # Monday of 2026-W40
SPIKE_DAY = 4  # Friday of W47 = 2026-11-20
NON_EN_SHARE = 0.33  # before fallbacks; lands at ~25% non-English
LABUBU_BASE, LABUBU_W47, LABUBU_SPIKE = 44, 112, 42  # weekly λ; posts forced onto Fri 2026-11-20
DRAMABOX_START, DRAMABOX_GROWTH = 16, 1.15
BLACK_MYTH_TRAVEL_COUNTS = [2, 1, 2, 1, 2, 2, 12, 22]
JADE_HEIRESS_COUNT, PINO_JELLY_COUNT = 48, 22
SMALL_FIXED = {  # tiny entities whose 1 → 3 change in W47 is noise, not a trend
    ("artist", "Tia Ray", "music"): [1, 0, 2, 1, 1, 2, 1, 3],
    ("novel", "Reverend Insanity", "literature"): [2, 1, 1, 2, 0, 1, 1, 3],
    ("film", "Full River Red", "film"): [0, 1, 1, 2, 1, 1, 1, 3],
}
DEFAULT_OUT = Path(__file__).resolve().parent.parent / "monitor" / "sample_data"

# --------------------------------------------------------------------------------------------
# Slot pools: watched entities (with the aliases people really use) and neutral fillers.
# A pool entry is "Canonical": [aliases…]; aliases are picked with the first one most likely.
# --------------------------------------------------------------------------------------------

ENTITIES: dict[str, dict[str, list[str]]] = {
    "app": {
        "ReelShort": ["ReelShort", "Reelshort", "#ReelShort", "reelshort"],
        "DramaBox": ["DramaBox", "Drama Box", "#DramaBox", "Dramabox"],
        "ShortMax": ["ShortMax", "#ShortMax", "Shortmax"],
        "FlexTV": ["FlexTV", "Flex TV"],
        "GoodShort": ["GoodShort", "Goodshort"],
        "DramaWave": ["DramaWave", "Dramawave"],
        "NetShort": ["NetShort", "Netshort"],
    },
    "platform": {
        "iQIYI": ["iQIYI", "iqiyi", "爱奇艺", "iQiyi"],
        "WeTV": ["WeTV", "wetv"],
        "Youku": ["Youku", "优酷"],
        "Tencent Video": ["Tencent Video", "腾讯视频"],
    },
    "show": {
        "Love Between Fairy and Devil": ["Love Between Fairy and Devil", "LBFAD", "苍兰诀"],
        "The Untamed": ["The Untamed", "陈情令", "Chen Qing Ling"],
        "Story of Yanxi Palace": ["Story of Yanxi Palace", "Yanxi Palace", "延禧攻略"],
        "Nirvana in Fire": ["Nirvana in Fire", "琅琊榜"],
        "Hidden Love": ["Hidden Love", "偷偷藏不住"],
        "Till the End of the Moon": ["Till the End of the Moon", "长月烬明"],
        "Blossoms Shanghai": ["Blossoms Shanghai", "繁花"],
        "Joy of Life": ["Joy of Life", "庆余年", "Joy of Life S2"],
        "Love Like the Galaxy": ["Love Like the Galaxy", "星汉灿烂"],
    },
    "game": {
        "Genshin Impact": ["Genshin", "Genshin Impact", "原神", "#GenshinImpact", "genshin", "ko:원신", "ja:原神"],
        "Honkai: Star Rail": ["Honkai: Star Rail", "HSR", "Star Rail", "Honkai Star Rail", "#HonkaiStarRail", "ko:스타레일", "ja:スターレイル"],
        "Zenless Zone Zero": ["Zenless Zone Zero", "ZZZ", "#ZenlessZoneZero", "绝区零"],
        "Wuthering Waves": ["Wuthering Waves", "WuWa", "#WutheringWaves", "鸣潮"],
        "Black Myth: Wukong": ["Black Myth: Wukong", "Black Myth Wukong", "Black Myth", "#BlackMythWukong", "黑神话悟空"],
        "Arknights": ["Arknights", "明日方舟"],
        "Naraka: Bladepoint": ["Naraka: Bladepoint", "Naraka Bladepoint", "Naraka"],
        "Infinity Nikki": ["Infinity Nikki", "无限暖暖", "#InfinityNikki"],
        "Love and Deepspace": ["Love and Deepspace", "LaDS", "恋与深空"],
        "Identity V": ["Identity V", "第五人格", "IdV"],
        "Honor of Kings": ["Honor of Kings", "王者荣耀", "HoK"],
        "Where Winds Meet": ["Where Winds Meet", "燕云十六声"],
        "Marvel Rivals": ["Marvel Rivals", "#MarvelRivals"],
        "Tower of Fantasy": ["Tower of Fantasy", "幻塔", "ToF"],
        "Once Human": ["Once Human"],
    },
    "studio": {
        "HoYoverse": ["HoYoverse", "miHoYo", "Hoyo", "米哈游"],
    },
    "brand": {
        "Pop Mart": ["Pop Mart", "POP MART", "PopMart", "#popmart", "泡泡玛特", "ja:ポップマート", "ko:팝마트"],
        "52Toys": ["52Toys", "52 Toys"],
        "Miniso": ["Miniso", "MINISO", "名创优品"],
    },
    "toy": {
        "Labubu": ["Labubu", "labubu", "LABUBU", "#labubu", "ja:ラブブ", "ko:라부부", "拉布布", "Labubus", "th:ลาบูบู้ Labubu"],
        "Skullpanda": ["Skullpanda", "SKULLPANDA", "Skull Panda"],
        "Molly": ["Molly"],
        "Dimoo": ["Dimoo", "DIMOO"],
        "Hirono": ["Hirono", "HIRONO"],
        "Crybaby": ["Crybaby", "CRYBABY"],
        "Twinkle Twinkle": ["Twinkle Twinkle"],
        "Hacipupu": ["Hacipupu"],
        "Zsiga": ["Zsiga"],
    },
    "donghua": {
        "Ne Zha 2": ["Ne Zha 2", "Nezha 2", "哪吒2", "Ne Zha 2"],
        "Big Fish & Begonia": ["Big Fish & Begonia", "Big Fish and Begonia", "大鱼海棠"],
        "The Legend of Hei": ["The Legend of Hei", "Legend of Hei", "罗小黑战记"],
        "Link Click": ["Link Click", "时光代理人"],
        "Heaven Official's Blessing": ["Heaven Official's Blessing", "TGCF", "天官赐福"],
        "Soul Land": ["Soul Land", "Douluo Dalu", "斗罗大陆"],
        "Scissor Seven": ["Scissor Seven", "刺客伍六七"],
        "Fog Hill of Five Elements": ["Fog Hill of Five Elements", "雾山五行"],
        "Jiang Ziya": ["Jiang Ziya", "姜子牙"],
        "White Snake": ["White Snake", "白蛇缘起"],
    },
    "film": {
        "The Wandering Earth": ["The Wandering Earth", "Wandering Earth", "流浪地球", "The Wandering Earth 2"],
        "Creation of the Gods": ["Creation of the Gods", "封神"],
        "Full River Red": ["Full River Red", "满江红"],
        "Hi Mom": ["Hi Mom", "你好，李焕英"],
        "Detective Chinatown": ["Detective Chinatown", "唐人街探案", "Detective Chinatown 1900"],
        "YOLO": ["YOLO", "热辣滚烫"],
    },
    "novel": {
        "The Three-Body Problem": ["The Three-Body Problem", "Three-Body Problem", "3 Body Problem", "三体", "Liu Cixin"],
        "Mo Xiang Tong Xiu": ["Mo Xiang Tong Xiu", "MXTX", "墨香铜臭"],
        "Lord of the Mysteries": ["Lord of the Mysteries", "LOTM", "诡秘之主"],
        "WebNovel": ["WebNovel", "Webnovel", "Qidian International"],
        "Wuxiaworld": ["Wuxiaworld", "WuxiaWorld"],
        "Reverend Insanity": ["Reverend Insanity", "蛊真人", "RI"],
    },
    "artist": {
        "Jay Chou": ["Jay Chou", "周杰伦", "Jay Chou"],
        "Jackson Wang": ["Jackson Wang", "王嘉尔", "@JacksonWang852"],
        "Hua Chenyu": ["Hua Chenyu", "华晨宇"],
        "G.E.M.": ["G.E.M.", "邓紫棋", "G.E.M"],
        "Lay Zhang": ["Lay Zhang", "张艺兴", "Zhang Yixing"],
        "Tia Ray": ["Tia Ray", "袁娅维"],
    },
}

# Relative popularity inside a slot (default 1.0).
POPULARITY = {
    "ReelShort": 3.0, "ShortMax": 1.6, "GoodShort": 1.0, "FlexTV": 0.8, "DramaWave": 0.8, "NetShort": 0.6,
    "Love Between Fairy and Devil": 1.5, "The Untamed": 1.8, "Hidden Love": 1.4, "Joy of Life": 1.2,
    "Genshin Impact": 4.0, "Honkai: Star Rail": 3.0, "Zenless Zone Zero": 2.0, "Wuthering Waves": 2.0,
    "HoYoverse": 1.2, "Marvel Rivals": 2.2, "Infinity Nikki": 1.2, "Love and Deepspace": 1.4,
    "Honor of Kings": 0.8, "Once Human": 0.6, "Tower of Fantasy": 0.5, "Identity V": 0.8,
    "Skullpanda": 2.0, "Crybaby": 1.6, "Hirono": 1.4, "Dimoo": 1.2, "Molly": 1.2, "Miniso": 1.4,
    "Zsiga": 0.5, "Hacipupu": 0.6, "Twinkle Twinkle": 0.6, "52Toys": 0.8,
    "Ne Zha 2": 3.5, "Heaven Official's Blessing": 2.0, "Link Click": 1.6, "Soul Land": 1.4,
    "The Three-Body Problem": 2.0, "Mo Xiang Tong Xiu": 1.6, "Lord of the Mysteries": 1.6,
    "Jay Chou": 1.8, "Jackson Wang": 1.8,
}

# Entities whose volume is scripted (trend or fixed schedule) and never used as random fillers.
GACHA = {"Genshin Impact", "Honkai: Star Rail", "Zenless Zone Zero", "Wuthering Waves", "Arknights",
         "Infinity Nikki", "Love and Deepspace", "Identity V", "Tower of Fantasy"}

SCRIPTED = {"DramaBox", "Labubu", "Pop Mart", "Black Myth: Wukong", "Tia Ray", "Reverend Insanity", "Full River Red"}

CHARACTERS = {
    "Genshin Impact": ["Furina", "Neuvillette", "Mavuika", "Xilonen", "Hu Tao", "Zhongli", "Raiden", "Citlali"],
    "Honkai: Star Rail": ["Acheron", "Firefly", "Castorice", "Aglaea", "Kafka", "the Herta", "Phainon"],
    "Zenless Zone Zero": ["Jane Doe", "Ellen", "Miyabi", "Yixuan", "Evelyn", "Trigger"],
    "Wuthering Waves": ["Camellya", "Jinhsi", "Carlotta", "Changli", "Phoebe", "Cartethyia"],
    "Arknights": ["Amiya", "Texas", "Surtr", "Exusiai"],
    "Infinity Nikki": ["Nikki", "Momo"],
    "Love and Deepspace": ["Zayne", "Rafayel", "Xavier", "Sylus", "Caleb"],
    "Identity V": ["Naib", "Emma", "the Perfumer"],
    "Honor of Kings": ["Li Bai", "Sun Ce", "Diaochan"],
    "Marvel Rivals": ["Magik", "Luna Snow", "Rocket Raccoon", "Psylocke"],
    "Naraka: Bladepoint": ["Tarka Ji", "Viper Ning", "Yoto"],
    "Where Winds Meet": ["my swordsman build", "the spear build"],
    "Tower of Fantasy": ["Nemesis", "Fiona"],
    "Once Human": ["my Deviant", "the Bull"],
    "Black Myth: Wukong": ["Erlang Shen", "the Yellowbrow boss", "the Headless Monk"],
}

FILLERS: dict[str, list[str]] = {
    "city": ["Chengdu", "Chongqing", "Shanghai", "Beijing", "Xi'an", "Hangzhou", "Guangzhou", "Shenzhen", "Zhangjiajie", "Suzhou"],
    "dish": ["hot pot", "xiaolongbao", "mapo tofu", "dumplings", "baozi", "dan dan noodles", "jianbing", "Peking duck", "hand-pulled noodles", "tanghulu"],
    "mall": ["Westfield Stratford", "Mall of America", "Siam Center", "ION Orchard", "Times Square", "Les Halles", "Alexanderplatz",
             "Shibuya Parco", "Myeongdong", "CentralWorld", "Sunway Pyramid", "Vincom Center", "Chadstone", "Eaton Centre", "Shopping Ibirapuera"],
    "trope": ["billionaire CEO", "fake marriage", "revenge", "secret baby", "werewolf alpha", "time-travel empress", "hidden identity", "contract bride"],
    "sd_title": ["The CEO's Secret Triplets", "Divorced by the Alpha King", "My Bodyguard Is a Billionaire", "The Substitute Bride's Revenge",
                 "Return of the Dragon Queen", "Contract Wife of the Tycoon", "Reborn to Ruin Him", "The Maid Who Owned the Empire",
                 "Fated to My Forbidden Alpha", "Never Divorce a Secret Billionaire"],
    "country": ["the US", "Brazil", "Indonesia", "Mexico", "the Philippines", "Germany", "Thailand", "the UK", "Japan", "Vietnam"],
    "version": ["5.2", "3.7", "2.4", "6.1", "1.8", "Version 3.2", "4.0"],
    "uni": ["Tsinghua", "Peking University", "Fudan", "Zhejiang University", "Sichuan University", "a university in Shanghai"],
    "song": ["Qing Hua Ci", "Dao Xiang", "Mojito", "Light Years Away", "Blue and White Porcelain", "Sunny Day"],
    "boss": ["final boss", "chapter 3 boss", "raid boss", "secret boss", "tiger boss"],
    "weekday": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "pet": ["cat", "dog", "puppy", "kitten", "parrot"],
    "snack": ["cold pizza", "cereal", "leftover pasta", "a croissant", "instant ramen"],
    "westgame": ["Elden Ring", "Zelda", "Skyrim", "Baldur's Gate 3", "Hollow Knight: Silksong", "Stardew Valley", "GTA VI"],
    "westshow": ["The Office", "Severance", "The Bear", "Stranger Things", "Bridgerton", "Love Island"],
    "eucity": ["Berlin", "London", "Paris", "Madrid", "Amsterdam", "Milan", "Lisbon", "Vienna"],
    "anime": ["Frieren", "Dandadan", "Spy x Family", "Kaiju No. 8", "Solo Leveling"],
    "level": ["1", "2", "3", "4"],
    "genre": ["life sim", "action RPG", "city builder", "survival game"],
    "quarter": ["next summer", "early 2027", "Q3 2027", "TBA"],
    "outlet": ["Reuters", "Bloomberg", "Variety", "Sensor Tower", "The Hollywood Reporter", "Nikkei Asia", "SCMP", "TechCrunch"],
}

# Black Myth: Wukong filming-location style sites: (long name, short name, province or city).
SITES = [
    ("Xiaoxitian in Xi County", "Xiaoxitian", "Shanxi"),
    ("Yuhuang Temple in Jincheng", "Yuhuang Temple", "Shanxi"),
    ("Foguang Temple on Mount Wutai", "Foguang Temple", "Shanxi"),
    ("Tiefo Temple in Gaoping", "Tiefo Temple", "Shanxi"),
    ("Shuanglin Temple near Pingyao", "Shuanglin Temple", "Shanxi"),
    ("Nanchan Temple", "Nanchan Temple", "Shanxi"),
    ("Chongfu Temple in Shuozhou", "Chongfu Temple", "Shanxi"),
    ("the Dazu Rock Carvings", "Dazu Rock Carvings", "Chongqing"),
    ("the Dazu Rock Carvings", "Dazu Rock Carvings", "Chongqing"),
]

# --------------------------------------------------------------------------------------------
# Templates: "S|text" social post, "R|title||body" Reddit, "N|headline||summary" news (RSS),
# "Y|title||description" YouTube.  {slot} = main entity or filler; {ht} = category hashtags.
# --------------------------------------------------------------------------------------------

TEMPLATES: dict[tuple[str, str, str], list[str]] = {}


def add(category: str, interest: str, lang: str, *templates: str) -> None:
    """Register templates for (category, interest, language); interest '-' means none."""
    TEMPLATES.setdefault((category, interest, lang), []).extend(templates)


# ---- drama, English ----------------------------------------------------------------------
add("drama", "-", "en",
    "S|I downloaded {app} \"just to see\" and now it's 2am and I've watched {n} episodes of {sd_title} 😭 {ht}",
    "S|{app} really said: here is a {trope} plot, 90 seconds an episode, good luck sleeping {ht}",
    "S|ok who else is stuck in the {app} coin trap. {sd_title} has me in a chokehold",
    "S|the acting on {app} is so bad it loops back to amazing. the slap scene in {sd_title}?? cinema",
    "S|Finished {show} on {platform} and I need someone to talk to about that ending {ht}",
    "S|rewatching {show} for the third time, the OST still wrecks me 💔",
    "S|{show} is free on {platform} with subs now?? my weekend is gone {ht}",
    "S|hot take: {show} is better than most prestige TV I watched this year",
    "R|Is {app} worth paying for or do I just wait for the free episodes?||I've been watching {sd_title} and the paywall hits at episode 12. Paying per episode adds up fast. What do you all do?",
    "R|Recommend me something like {show}||Just finished it and I'm in a slump. Looking for more xianxia with a slow-burn romance. Already seen {show2}.",
    "R|Why are micro-dramas so addictive?||My mom watches {app} every night now. The plots are insane ({trope}!) but she says each episode is short enough to watch while cooking.",
    "R|{show} discussion thread, final episodes||Spoilers below. I did not expect the second lead to get that ending. The cinematography in the last arc is unreal.",
    "R|Which app has the best subtitles for cdramas?||{platform} vs the others, I keep getting machine subs on some shows. Watching {show} right now.",
    "Y|{sd_title} FULL MOVIE | {app} short drama||All episodes in one video. Drop a like if you want part 2!",
    "Y|Reacting to {show} for the first time (episode 1-3)||First time watching a Chinese costume drama, my friend made me do it.",
    "N|Vertical drama apps keep climbing the charts||{app} and rivals are among the top-grossing entertainment apps as one-minute {trope} series find audiences far from China.",
)
add("drama", "language", "en",
    "S|{n} episodes of {sd_title} on {app} later and I can recognise Chinese characters in the thumbnails. learning Chinese the chaotic way {ht}",
    "S|started learning Mandarin because I'm tired of waiting for subs on {app}. {n} words in 📚",
    "S|{sd_title} on {app} has no subs past episode {n} so guess who's learning Chinese now",
    "S|my Chinese teacher asked why I know the word for 'contract marriage'. thanks {app} {ht}",
    "S|HSK {level} booked. reason: {app}. no regrets {ht}",
    "S|learning Chinese characters from {app} thumbnails is a real strategy and I'm {n} characters in",
    "R|{app} got me into learning Mandarin, what next?||I know about {n} words now, mostly 'CEO', 'divorce' and 'grandpa'. Looking for a class in {eucity}.",
    "R|Anyone else learning Chinese because of micro-dramas?||Started with {sd_title} on {app}. Now doing HSK {level} prep twice a week.",
    "Y|I learned Chinese for {n} days using only {app}||Can I understand {sd_title} without subtitles?",
    "N|Micro-drama fans fuel demand for Mandarin courses in {country}||Schools say new students mention apps such as {app}; HSK registrations are up, {outlet} reports.",
    "S|day {n} of learning Chinese because of {show}. I can now say 'Your Highness' and nothing else",
    "S|Duolingo Chinese streak is {n} days, all thanks to {show} 🇨🇳",
    "S|Every cdrama fan eventually starts learning Chinese. I'm at HSK 2 because of {app} {ht}",
    "R|Learning Chinese through dramas, does it actually work?||I watch {app} every night ({sd_title} right now) and started noticing words repeating. Thinking of taking HSK 1 next spring. Anyone done this?",
    "R|Good resources for learning Mandarin if you came from cdramas?||Got hooked on {show} and now want to learn Chinese properly. Apps, teachers, textbooks?",
    "R|I passed HSK 3 and {show} deserves half the credit||Watched it with Chinese subtitles on {platform} the second time. Slowly the characters stopped being shapes.",
    "Y|How I learn Chinese with short dramas (real method)||Using {app} clips from {sd_title} with Chinese subtitles, shadowing, and flashcards. HSK 1 to HSK 3 in {n} months.",
    "Y|Learn Mandarin with {show}: 20 phrases from the drama||Chinese characters, pinyin and meaning for the most quoted lines.",
    "N|Short dramas are sending viewers to Mandarin lessons||Language apps in {country} report more learners citing Chinese dramas; teachers say students arrive quoting {app} series.",
)
add("drama", "business", "en",
    "N|{app} owner eyes new markets after revenue jump||The micro-drama app posted strong revenue growth in {country}, according to {outlet} estimates, as investment pours into vertical video.",
    "N|Micro-drama market share: {app} leads overseas downloads||{outlet} data shows Chinese short-drama apps taking a growing market share in {country}.",
    "N|Hollywood talent is hiring into vertical dramas||Producers for {app} say the industry is hiring US actors at scale for {trope} series shot in two weeks.",
    "S|the short drama industry is wild. {app} reportedly doing more revenue than some streamers in {country}",
    "R|How do micro-drama apps make money?||Looked into {app}: coins, subscriptions and a ton of ad spend. Revenue is real but so is the marketing bill.",
    "N|{platform} reports subscriber growth on overseas dramas||Earnings call highlights demand for titles like {show} in Southeast Asia.",
)
add("drama", "travel", "en",
    "S|planning a China trip just to see where {show} was filmed. Hengdian here I come {ht}",
    "R|Visited the {show} filming locations in {city}||Trip report! The visa-free entry made it easy. Itinerary in the comments.",
    "S|{show} made me book a flight to {city}. no regrets",
)
add("drama", "food", "en",
    "S|every time they eat in {show} I need {dish}. ordering Chinese food again",
    "R|Recreated the {dish} from {show}||Turned out better than expected. Recipe from a Chinese cooking channel.",
)
add("drama", "shopping", "en",
    "S|bought the coin bundle on {app} at 3am and I want a refund from myself",
    "S|{show} merch preorder sold out in 4 minutes 😭",
)
add("drama", "study", "en",
    "R|Watching {show} made me apply for a CSC scholarship||Studying in China next year, exchange semester at {uni}. Cdramas radicalised me.",
)

# ---- drama, other languages --------------------------------------------------------------
add("drama", "-", "es",
    "S|No puedo dejar de ver {sd_title} en {app} 😭 cada episodio dura un minuto y ya van {n}",
    "S|Terminé {show} y necesito hablar con alguien del final #cdrama",
    "R|¿Alguien más engancha con los microdramas de {app}?||Mi mamá ya ve {n} episodios por noche. La trama es de {trope} pero funciona.")
add("drama", "language", "es",
    "S|Empecé a aprender chino por culpa de {app} 📚 ya sé decir 'no te vayas'",
    "S|Estoy aprendiendo chino mandarín gracias a {show}, llevo {n} días en Duolingo")
add("drama", "-", "pt",
    "S|Viciei em {sd_title} no {app}, alguém me salva 😭",
    "S|Acabei {show} e tô destruída #cdrama",
    "R|Vale a pena pagar o {app}?||Tô vendo {sd_title} e as moedas acabam rápido demais.")
add("drama", "language", "pt",
    "S|Comecei a estudar mandarim por causa dos dramas do {app} kkkk",
    "S|Aprendendo chinês com {show}, já sei umas {n} palavras")
add("drama", "-", "id",
    "S|Nonton {sd_title} di {app} sampai subuh, episodenya pendek tapi nagih banget",
    "S|Baru selesai {show}, endingnya bikin nangis #cdrama")
add("drama", "language", "id",
    "S|Gara-gara nonton {app} aku jadi belajar bahasa Mandarin 📚",
    "S|Belajar Mandarin dari {show}, sekarang udah bisa baca beberapa hanzi")
add("drama", "-", "fr",
    "S|J'ai téléchargé {app} par curiosité et j'ai regardé {n} épisodes de {sd_title}. Au secours.",
    "S|Je viens de finir {show}, quelle fin #cdrama")
add("drama", "language", "fr",
    "S|J'apprends le chinois grâce à {show}, {n} jours d'affilée sur Duolingo",)
add("drama", "-", "de",
    "S|Hab {show} auf {platform} durchgesuchtet, was für ein Ende",
    "S|Diese Kurzserien auf {app} sind absurd und trotzdem schaue ich jede Folge")
add("drama", "-", "vi",
    "S|Cày {sd_title} trên {app} tới 2 giờ sáng, phim ngắn mà cuốn quá",
    "S|Xem xong {show} rồi, khóc cả tối")
add("drama", "language", "vi",
    "S|Mình đang học tiếng Trung vì xem phim trên {app} quá nhiều 📚",)
add("drama", "-", "th",
    "S|ติดซีรีส์สั้นใน {app} ดูจบไป {n} ตอนแล้ว",
    "S|ดู {show} จบแล้ว ร้องไห้หนักมาก")
add("drama", "language", "th",
    "S|เริ่มเรียนภาษาจีนเพราะดู {show} 📚",)
add("drama", "-", "ja",
    "S|{show}見終わった。最終回泣いた",
    "S|{app}の縦型ドラマ、くだらないのに止まらない")
add("drama", "language", "ja",
    "S|{show}にハマって中国語の勉強始めました📚",)
add("drama", "-", "ko",
    "S|{show} 마지막 회 보고 울었어요",
    "S|{app} 숏드라마 진짜 중독성 있음 ㅋㅋ")
add("drama", "language", "ko",
    "S|{show} 보다가 중국어 공부 시작함 ㅋㅋ",)

# ---- game, English -----------------------------------------------------------------------
add("game", "-", "en",
    "S*|{game} {version} banner is out and I have exactly 12 pulls. pray for me {ht}",
    "S*|pulled {char} on my first ten-pull in {game}!!! 🎉 {ht}",
    "S*|lost the 50/50 again in {game}. I'm uninstalling (I am not uninstalling)",
    "S|the music in {game} this patch is ridiculous. who let them cook",
    "S|{game} story quest had me tearing up at 1am, {char} deserved better",
    "S|is it just me or is the {game} {version} livestream way too long",
    "S*|{game} is the only gacha game I still log into every day {ht}",
    "R*|{char} build guide for {game} {version}?||I've got her at level 80 but the damage feels low. Artifacts/relics advice welcome.",
    "R*|Hot take: {game} has the best open world of any gacha game||Exploration in the new region is genuinely good. Fight me.",
    "R*|Returning player, where do I start in {game}?||Stopped playing a year ago. Should I skip to the new region or finish the archon/trailblaze quests?",
    "R|{game} vs {game2}, which one to main?||Only have time for one gacha game. Mostly care about story and exploration.",
    "R*|The {game} anniversary rewards are stingy again||20 pulls for a year is not a celebration.",
    "Y|{game} {version} - ALL NEW CONTENT in 10 minutes||Banners, events, map expansion and free rewards.",
    "Y*|I spent $500 on {game} so you don't have to||Gacha pulls for {char}, was it worth it?",
    "Y|{char} is BROKEN - {game} showcase||Full rotation, team comps and damage numbers.",
    "N*|{game} update {version} arrives with new region||The free-to-play title continues to post strong player numbers across Asia, Europe and the Americas.",
)
add("game", "business", "en",
    "N|{game} revenue tops $100m in first month, says {outlet}||The Chinese-developed game saw strong earnings on mobile and PC, with {country} its second-largest market.",
    "N|Chinese game studios are hiring in Europe||{game} developers expand overseas offices as the industry targets global players.",
    "N|HoYoverse investment in new studio raises questions||The {game} maker's move comes as Chinese publishers grow market share abroad.",
    "S|{game} mobile revenue dropped this month per {outlet}. patch content too thin?",
    "R|{game} player count and revenue analysis||Sensor Tower numbers show a dip after launch but earnings are still strong in {country}.",
)
add("game", "travel", "en",
    "S|my {game} friend and I are planning a China trip next spring. {city} first because the region is literally based on it",
    "R|Trip report: visiting real places that inspired {game}||Went to {city} and Zhangjiajie. The mountains are exactly like Liyue. Itinerary below.",
    "S|{game} made me want to visit China and I'm not even mad about it. china visa sorted ✈️",
    "S|the {game} x {city} collab means I'm finally booking that flight to {city}",
)
add("game", "food", "en",
    "S|made the {game} in-game recipe irl and it's literally {dish}. 10/10",
    "R|Cooking the foods from {game}||Did {dish} and jade parcels this weekend. Chinese food content in games is so good.",
    "S|the {game} collab with a {dish} chain is real?? taking my friends",
)
add("game", "shopping", "en",
    "S|bought the {game} {char} figure and I'm now broke. worth it",
    "S|{game} merch restock sold out in minutes again 🙃",
    "R|Where to buy official {game} merch outside China?||The official store ships slowly. Any legit resellers? Prices on resale sites are crazy.",
)
add("game", "language", "en",
    "S|switched {game} voice-over to Chinese and now I'm learning Chinese to understand {char}",
    "R|Anyone learning Chinese because of {game}?||Playing with Chinese text on. Learning the characters for common items. HSK 2 soon.",
)
add("game", "study", "en",
    "R|Studying game design in China?||Thinking about a scholarship at {uni} because of {game}. Anyone done an exchange semester?",
)

# ---- game, other languages ---------------------------------------------------------------
add("game", "-", "es",
    "S*|Saqué a {char} en {game} en la primera tirada!! 🎉",
    "S*|Perdí el 50/50 otra vez en {game}, ya no juego más (mentira)",
    "R|¿Vale la pena empezar {game} en 2026?||Me lo recomendaron mucho pero no sé si llego tarde.")
add("game", "-", "pt",
    "S*|Perdi o 50/50 de novo no {game} 😭",
    "S|A música nova do {game} tá linda demais",
    "R*|{game} ou {game2}?||Só tenho tempo pra um gacha, qual vocês recomendam?")
add("game", "-", "id",
    "S*|Gacha {game} hari ini ampas banget 😭",
    "S*|Akhirnya dapet {char} di {game}!!")
add("game", "-", "fr",
    "S|La mise à jour {version} de {game} est superbe, la nouvelle région est magnifique",
    "S*|J'ai encore perdu le 50/50 sur {game}...")
add("game", "-", "de",
    "S*|{game} {version} ist raus und ich hab natürlich den 50/50 verloren",
    "R|Lohnt sich {game} für Neueinsteiger?||Hab gehört der Anfang ist langsam.")
add("game", "-", "ja",
    "S*|{game}のガチャ爆死した…",
    "S|{game}の新しいストーリー良すぎて泣いた",
    "S*|{char}引けた！！{game}最高")
add("game", "-", "ko",
    "S*|{game} 신캐 뽑았다!! 🎉",
    "S|{game} 이번 업데이트 스토리 미쳤다")
add("game", "-", "vi",
    "S*|Tối nay cày {game} tiếp, gacha đen quá",)
add("game", "-", "th",
    "S*|สุ่ม {game} เกลือหมดเลย 😭",)
add("game", "travel", "ko",
    "S|{game} 하다가 중국 여행 가고 싶어짐. {city} 가보고 싶다",)
add("game", "travel", "ja",
    "S|{game}の聖地巡礼で{city}に行きたい",)

add("game", "-", "en",
    "S|finally beat the {boss} in {game} after {n} tries. hands still shaking",
    "S|{game} ranked tonight with the squad, who's in {ht}",
    "S|{game} patch notes just dropped and my main got nerfed again",
    "R|{game} performance on Steam Deck?||Getting stutters in the new area. Any settings tips?",
    "R|Is {game} worth full price?||It's ${price} here, never played anything like it. I have about {hours} hours a week.",
    "Y|{game} - {n} tips I wish I knew before starting||Beginner guide, settings and the best early upgrades.",
    "N|{game} climbs the charts again||The Chinese-developed game's player count spiked after its latest update.",
)
add("game", "-", "es", "S|Por fin le gané al {boss} en {game} después de {n} intentos",)
add("game", "-", "pt", "S|{game} com a galera hoje à noite, bora",)
add("game", "-", "de", "S|{game} ist einfach ein unglaublich schönes Spiel",)
add("game", "-", "fr", "S|{game} est magnifique, la direction artistique est folle",)
add("game", "-", "ja", "S|{game}やっとクリアした！",)
add("game", "-", "ko", "S|{game} 드디어 클리어!",)
add("game", "-", "id", "S|Main {game} sama temen semalaman, seru parah",)

# ---- Black Myth: Wukong travel conversion (scripted stream) ------------------------------
BLACK_MYTH_TRAVEL = {
    "en": [
        "S|finished {game} and immediately booked a trip to {province}. going to see {site} in person 🐒",
        "S|{game} made me visit China. standing in front of {site} where the game scanned the statues, unreal",
        "S|Black Myth tourism is real: my itinerary is Jincheng, Gaoping, Pingyao, then Chongqing for the Dazu Rock Carvings",
        "R|Trip report: {game} temple tour in {province}||Did {hours} days. Flight to {province}, then {site}. Visa-free entry made it easy. The temples look exactly like the game.",
        "R|Itinerary for a {game} pilgrimage?||I want to see {site} and as many temples around Pingyao as possible. How many days do I need? China visa questions too.",
        "R|Went to {site} because of {game}, AMA||Lots of other foreign players there. The guide said tourism to {province} jumped since the game.",
        "Y|I visited the REAL locations from {game} ({province}, China)||{site} and more. Travel vlog with itinerary and costs.",
        "Y|{game} locations in real life - China travel guide||Shanxi temples, Chongqing grottoes, how to get there.",
        "N|{game} fans are flocking to temples in {province}||Local tourism officials report more foreign visitors at {site}, many citing the game.",
        "S|day 3 of my {game} trip to {province}: {site_short} at sunrise. worth the flight",
    ],
    "es": ["S|Después de jugar {game} me fui de viaje a {province} a ver {site_short}. Increíble",],
    "de": ["S|Wegen {game} bin ich nach {province} gereist, {site_short} ist noch beeindruckender als im Spiel",],
    "fr": ["S|Voyage en Chine à cause de {game} : {site_short} est magnifique",],
    "ko": ["S|{game} 때문에 {province} 여행 왔어요. {site_short} 실제로 보니 감동",],
    "ja": ["S|{game}の聖地巡礼で{province}に来た。{site_short}すごい",],
    "pt": ["S|Fui pra {province} só por causa do {game}, {site_short} é lindo demais",],
}

# ---- toy, English ------------------------------------------------------------------------
add("toy", "-", "en",
    "S|my {toy} collection just hit {n} figures and I have no shelf space left {ht}",
    "S|unboxing the new {toy} series tonight, wish me luck for the secret 🤞 {ht}",
    "S|pulled the secret {toy} from a blind box on the first try?? {ht}",
    "S|{toy} on my desk keeps me sane during meetings",
    "S|the new {toy} designs are so cute I might actually cry",
    "R|My {toy} shelf after two years||Started with one blind box, now I have {n}. Photos in the comments.",
    "R|Is the {toy} hype dying down?||Feels like everyone had one this summer. Designer toy trends move fast.",
    "R|How do you display your {toy} figures?||Looking for acrylic cases that don't yellow.",
    "Y|Unboxing a FULL CASE of {toy} blind boxes||Did I get the secret? Watch till the end!",
    "Y|{toy} collection tour {n} figures||Every series I own and the rare ones.",
    "N|Designer toys move from niche to mainstream||{toy} and other blind box lines draw queues in {country}.",
)
add("toy", "shopping", "en",
    "S|queued {hours} hours at {mall} for the {toy} drop and they sold out 3 people in front of me 😭 {ht}",
    "S|restock alert: {toy} back in stock online, go go go {ht}",
    "S|the {toy} resale prices are insane. ${price} for a blind box that was $22",
    "S|bought {n} {toy} blind boxes and got the same figure 3 times. this hobby is a scam and I love it",
    "S|haul from today: {n} {toy} and a keychain. wallet crying {ht}",
    "S|lined up at {mall} since 6am for {toy}. security had to manage the queue",
    "S|PSA don't buy {toy} from resellers at ${price}, restock is next week",
    "S|preorder for the new {toy} series is live and already sold out?? {ht}",
    "R|{toy} restock at {mall}, what time did people start queueing?||Got there at 7, line was already around the block. Staff said the restock was small.",
    "R|Fake {toy} everywhere, how to spot them?||Bought one at a market for a suspiciously low price. Teeth count is wrong.",
    "R|Resale market for {toy} is out of control||Saw a secret listed for ${price}. Are people really paying this?",
    "R|Haul: {n} {toy} blind boxes from today's drop||Queue was {hours} hours. Pulled two duplicates, open to trades.",
    "Y|I waited {hours} HOURS in line for {toy}||Was it worth it? Full vlog of the restock day at {mall}.",
    "Y|Trying to buy {toy} at retail price (impossible)||Restock day, resellers, bots and sold out in seconds.",
    "N|Shoppers queue overnight for {toy} restock||Crowds gathered at {mall} ahead of the drop; resale prices for some figures top ${price}.",
    "N|{toy} frenzy: stores limit purchases after chaotic restock||Retailers in {country} cap each buyer at two boxes.",
)
add("toy", "business", "en",
    "N|Pop Mart shares hit record on overseas revenue||The designer toy company said overseas revenue more than doubled, led by {toy}, {outlet} reported.",
    "N|{toy} maker Pop Mart expands stores in {country}||The company plans dozens of new stores as the industry bets on blind boxes abroad.",
    "S|Pop Mart stock is up again. {toy} is a better investment than my portfolio",
    "R|Can {toy} keep driving growth?||Their earnings are insane but it's one character doing most of the revenue.",
)
add("toy", "travel", "en",
    "S|first stop on my China trip: the huge Pop Mart store in {city} for {toy} 🛍️",
    "R|Pop Mart stores to visit in {city}?||Going on a China trip next month, want to hit the flagship for {toy}.",
)
add("toy", "food", "en",
    "S|the {toy} café collab has {dish}-shaped desserts and I need them",
)

# ---- toy, other languages ----------------------------------------------------------------
add("toy", "-", "th",
    "S|ได้ {toy} ตัวใหม่แล้ว น่ารักมาก 💕",
    "S|แกะกล่องสุ่ม {toy} ได้ตัวซีเคร็ต!!")
add("toy", "shopping", "th",
    "S|ต่อคิวซื้อ {toy} ที่ {mall} ตั้งแต่ตีห้า 😭",
    "S|{toy} ของหมดอีกแล้ว ราคารีเซลล์แพงมาก")
add("toy", "-", "ja",
    "S|{toy}の新シリーズかわいすぎる",
    "S|{toy}開封！シークレット出た！")
add("toy", "shopping", "ja",
    "S|{toy}の新作、また抽選外れた…転売価格えぐい",
    "S|{toy}の再販、朝から行列できてた")
add("toy", "-", "ko",
    "S|{toy} 새 시리즈 너무 귀여워요 💕",)
add("toy", "shopping", "ko",
    "S|{toy} 재입고 떴다는데 줄 엄청 길다 ㅠㅠ",
    "S|{toy} 리셀 가격 미쳤네")
add("toy", "-", "id",
    "S|Koleksi {toy} aku udah {n} biji 🥹",)
add("toy", "shopping", "id",
    "S|Akhirnya dapet {toy} setelah antri {hours} jam 😭",
    "S|Harga resell {toy} gila banget sekarang")
add("toy", "shopping", "vi",
    "S|Xếp hàng từ 6 giờ sáng để mua {toy} mà vẫn hết hàng 😭",)
add("toy", "-", "vi",
    "S|Bộ sưu tập {toy} của mình đã được {n} con rồi",)
add("toy", "shopping", "es",
    "S|Hice fila {hours} horas en {mall} por {toy} y se agotó 😭",
    "S|Los revendedores piden ${price} por un {toy}, qué locura")
add("toy", "-", "es",
    "S|Mi colección de {toy} ya tiene {n} figuras",)
add("toy", "shopping", "pt",
    "S|Fiquei {hours} horas na fila do {mall} pra comprar {toy} e esgotou",
    "S|Revenda de {toy} tá um absurdo")
add("toy", "shopping", "fr",
    "S|{hours} heures de queue pour {toy} aux {mall}, rupture de stock évidemment",)
add("toy", "shopping", "de",
    "S|{hours} Stunden angestanden für {toy} am {mall} und ausverkauft",)

# ---- animation ---------------------------------------------------------------------------
add("animation", "-", "en",
    "S|{donghua} is the best animation I've seen this year and it's not close {ht}",
    "S|rewatched {donghua} with English subs, the fight choreography is insane",
    "S|why is nobody talking about {donghua}?? donghua is so underrated",
    "R|Where can I legally watch {donghua}?||Heard it's on {platform} but region locked. Any other option?",
    "R|{donghua} animation quality appreciation thread||The water effects in the finale. Chinese animation has come so far.",
    "R|Just finished {donghua}, what next?||Looking for more donghua with good world-building.",
    "Y|{donghua} - first time reaction||My first donghua ever. Wow.",
    "Y|Why {donghua} looks so good: an animation breakdown||Studio history, techniques and comparisons.",
    "N|{donghua} opens in cinemas in {country}||The Chinese animated film arrives with dubbed and subtitled screenings.",
)
add("animation", "business", "en",
    "N|{donghua} box office crosses new milestone||The Chinese animated film's revenue overseas surprised the industry, {outlet} reports.",
    "S|{donghua} box office numbers abroad are wild for a Chinese animated film",
)
add("animation", "travel", "en",
    "S|{donghua} got me planning a trip to China just to see the landscapes it was based on",
)
add("animation", "-", "es", "S|{donghua} es de lo mejor que he visto en animación este año",)
add("animation", "-", "pt", "S|Assisti {donghua} ontem e que animação linda",)
add("animation", "-", "fr", "S|{donghua} au cinéma, une claque visuelle",)
add("animation", "-", "id", "S|{donghua} seru banget, animasinya keren parah",)

# ---- film --------------------------------------------------------------------------------
add("film", "-", "en",
    "S|watched {film} last night, the scale of Chinese blockbusters now is something else",
    "R|{film} is finally streaming here||Subtitles are decent. The second half drags but the effects are great.",
    "R|Thoughts on {film}?||Just saw it at a local Chinese cinema screening.",
    "Y|{film} - movie review (no spoilers)||Is the Chinese blockbuster worth your time?",
    "N|{film} gets wider release in {country}||Distributors add screens after strong reviews for the Chinese film.",
)
add("film", "business", "en",
    "N|{film} box office: Chinese film beats expectations overseas||Revenue from {country} screens topped forecasts, {outlet} said.",
)
add("film", "-", "de", "S|{film} im Kino gesehen, visuell beeindruckend",)
add("film", "-", "es", "S|Vi {film} anoche, qué espectáculo",)

# ---- literature --------------------------------------------------------------------------
add("literature", "-", "en",
    "S|halfway through {novel} and I can't sleep. the web novel brain rot is real",
    "S|reading {novel} on my commute, chapter {n} just broke me",
    "R|Where to start with {novel}?||Heard so much about it. Which translation should I read?",
    "R|{novel} translation quality discussion||Comparing the official translation with the fan one.",
    "N|{novel} translation finds new readers in {country}||The Chinese novel's English edition enters bestseller lists.",
)
add("literature", "language", "en",
    "S|learning Chinese so I can read {novel} in the original. chapter 1 took me a week",
)
add("literature", "-", "pt", "S|Terminei de ler {novel} e tô em choque",)
add("literature", "-", "es", "S|Leyendo {novel}, capítulo {n}, no puedo parar",)

# ---- music -------------------------------------------------------------------------------
add("music", "-", "en",
    "S|{artist} has been on repeat all week. {song} hits different at night",
    "S|saw {artist} live and I'm still not over it 🎤",
    "R|{artist} world tour dates announced||Any European dates? The last tour skipped us.",
    "R|Getting into Mandopop, where to start with {artist}?||Only know {song}.",
    "Y|{artist} - live performance reaction||First time hearing C-pop live.",
    "N|{artist} announces stadium shows in {country}||The tour marks the artist's biggest overseas run.",
)
add("music", "shopping", "en",
    "S|{artist} tickets sold out in 3 minutes and resale is $900. no thanks",
)
add("music", "-", "id", "S|Konser {artist} kemarin keren banget 🎤",)
add("music", "-", "es", "S|No puedo dejar de escuchar a {artist}",)

# ---- more interest-specific cells in other languages -------------------------------------
add("drama", "language", "es",
    "R|¿Alguien aprendió chino viendo dramas?||Veo {app} todas las noches y ya reconozco palabras. Quiero presentar el HSK 1.",)
add("drama", "language", "pt",
    "R|Aprender mandarim com dramas funciona?||Assisto {show} com legenda em chinês. Tô pensando em fazer o HSK.",)
add("drama", "language", "de", "S|Lerne jetzt Chinesisch, weil ich {show} ohne Untertitel verstehen will",)
add("drama", "business", "es", "N|Las apps de microdramas chinos crecen en {country}||{app} suma ingresos y descargas según {outlet}.",)
add("drama", "business", "pt", "N|Microdramas chineses conquistam o Brasil||{app} está entre os apps de entretenimento que mais faturam, segundo {outlet}.",)
add("drama", "business", "de", "N|Chinesische Kurzserien-Apps wachsen in Europa||{app} meldet steigende Umsätze, berichtet {outlet}.",)
add("drama", "shopping", "es", "S|Compré el paquete de monedas de {app} a las 3am, no me juzguen",)
add("drama", "shopping", "id", "S|Beli koin {app} lagi demi episode terakhir, dompet menangis",)
add("drama", "travel", "ko", "S|{show} 촬영지 보러 중국 여행 가요 ✈️",)
add("drama", "travel", "th", "S|อยากไปเที่ยวจีนเพราะ {show} เลย",)
add("drama", "food", "id", "S|Abis nonton {show} langsung pengen makan {dish}",)
add("game", "language", "es", "S|Estoy aprendiendo chino porque quiero jugar {game} con las voces en chino",)
add("game", "language", "pt", "S|Tô aprendendo chinês por causa do {game}, já leio uns nomes de itens",)
add("game", "shopping", "ja", "S|{game}のコラボグッズ、即完売してて泣いた",)
add("game", "shopping", "ko", "S|{game} 굿즈 품절이라니 ㅠㅠ",)
add("game", "travel", "es", "S|{game} me dio ganas de viajar a China, ya estoy mirando vuelos a {city}",)
add("game", "travel", "de", "S|Wegen {game} plane ich eine Reise nach {city}",)
add("game", "food", "pt", "S|Fiz a receita do {game} na vida real e é basicamente {dish}",)
add("game", "business", "ja", "N|{game}、海外売上が好調||{outlet}によると、{country}での売上が伸びている。",)
add("toy", "business", "th", "S|{brand} เปิดสาขาใหม่ที่ {mall} คนต่อคิวยาวมาก",)
add("toy", "business", "es", "N|Pop Mart abre tiendas en {country}||La empresa de juguetes de diseño crece gracias a {toy}.",)
add("toy", "travel", "ko", "S|중국 여행 가면 {city} 팝마트 매장 꼭 가야지 {toy}",)
add("animation", "-", "ja", "S|{donghua}観た。中国アニメのクオリティすごい",)
add("animation", "-", "ko", "S|{donghua} 작화 진짜 미쳤다",)
add("animation", "-", "de", "S|{donghua} ist visuell atemberaubend",)
add("music", "-", "th", "S|ฟังเพลง {artist} ทั้งวัน",)
add("music", "-", "vi", "S|Nghe nhạc {artist} cả ngày không chán",)
add("literature", "-", "id", "S|Lagi baca {novel}, udah chapter {n} dan nggak bisa berhenti",)

# ---- toy brands and the game studio (their own slots: a brand is not a figure) -----------
add("toy", "-", "en",
    "S|the {brand} store at {mall} is so dangerous for my wallet {ht}",
    "S|{brand} blind boxes are my whole personality now",
    "R|Is {brand} worth the hype?||My niece is obsessed with blind boxes. What should I get her?",
    "Y|{brand} store tour - everything in stock right now||New series, prices and the secret odds.",
)
add("toy", "shopping", "en",
    "S|{brand} restock at {mall} today and the queue is already around the block {ht}",
    "S|the {brand} app crashed the second the drop went live. sold out. again.",
    "S|spent ${price} at {brand} today and I regret nothing {ht}",
    "S|{brand} resale prices on the secret figures are insane right now",
    "S|queued {hours} hours outside {brand} at {mall}, got 2 boxes, worth it",
    "R|{brand} restock schedule?||Anyone know when {mall} gets the next drop? Last week sold out in 10 minutes.",
    "R|{brand} limits purchases to two per person after restock chaos||Staff at {mall} said resellers were buying whole cases.",
    "Y|Camping outside {brand} for the restock||{hours} hours in line at {mall}. Did we get anything?",
    "N|Crowds queue at {brand} as restock sells out in minutes||Security managed the line at {mall}; resale listings appeared within the hour.",
)
add("toy", "business", "en",
    "N|{brand} overseas revenue surges||The designer toy company reported strong earnings from {country}, {outlet} said.",
    "N|{brand} opens new stores in {country}||The retailer bets on blind boxes and collectibles abroad.",
    "S|{brand} stock up again today. should have bought shares instead of blind boxes",
    "R|{brand} earnings thread||Revenue from overseas is now a big share. Is this sustainable?",
)
add("toy", "travel", "en", "S|first stop on my China trip: the {brand} flagship in {city} 🛍️",)
add("toy", "-", "ja", "S|{brand}行ってきた、かわいいものしかない",)
add("toy", "-", "ko", "S|{brand} 신상 너무 귀여워요",)
add("toy", "-", "th", "S|ไป {brand} มา ของน่ารักเต็มเลย",)
add("toy", "shopping", "th", "S|{brand} ที่ {mall} คนต่อคิวยาวมาก ของหมดเร็วสุด",)
add("toy", "shopping", "ja", "S|{brand}の再入荷、朝から大行列だった",)
add("toy", "shopping", "ko", "S|{brand} 매장 줄 너무 길어요 ㅠㅠ",)
add("toy", "shopping", "id", "S|Antri di {brand} {mall} dari pagi, tetep kehabisan 😭",)
add("toy", "shopping", "es", "S|Fila enorme en la tienda de {brand} en {mall} 😭",)
add("toy", "shopping", "pt", "S|Fila gigante na {brand} do {mall} hoje",)
add("toy", "shopping", "vi", "S|Cửa hàng {brand} ở {mall} xếp hàng dài quá",)
add("game", "-", "en",
    "S|{studio} really knows how to make trailers. that new teaser??",
    "S|{studio} anniversary stream in {n} hours, who's watching",
    "R|{studio} announced a new game and I'm already worried about my wallet||Teaser looks like an open-world {genre}. Release window: {quarter}.",
    "S|{studio} dropped {n} new trailers today and my timeline is nothing else",
    "R|{studio} customer support finally answered my ticket after {n} days||Lost account recovery worked in the end.",
)
add("game", "business", "en",
    "N|{studio} revenue climbs as overseas players spend more||The company behind several hit gacha games saw earnings rise in {country}, {outlet} estimates.",
    "N|{studio} is hiring for a new studio in {country}||The Chinese developer's investment targets global markets.",
    "R|{studio} layoffs rumour, any truth?||Saw a post on a Chinese forum, no official statement.",
)

# ---- extra shopping variety (the W47 surge must not be one repeated sentence) ------------
add("toy", "shopping", "en",
    "S|got to {mall} at 5am and I was number {n} in line for {toy}. respect to whoever camped overnight",
    "S|my sister drove 2 hours to get {toy} for me and came back empty-handed. sold out by 10",
    "S|{toy} restock was gone before the doors even opened. the whole line just walked home",
    "S|paid ${price} to a reseller for {toy} and I feel sick but also happy",
    "S|the bots cleared the online {toy} restock in 40 seconds. how is that legal",
    "S|trading my duplicate {toy} for anything from the new series, DM me {ht}",
    "S|friday plan: line up for {toy}. saturday plan: recover",
    "S|every store near me is sold out of {toy} and the resale sites want ${price}",
    "S|finally found {toy} at retail!!! a tiny shop nobody knew about {ht}",
    "S|counting coins for the next {toy} drop like a dragon guarding treasure",
    "R|Drove to three malls for {toy}, all sold out||Staff say the next restock is 'soon'. Is it worth queueing at {mall} tomorrow?",
    "R|PSA: the {toy} restock at {mall} has a ticket system now||Tickets handed out at 8, only 150 of them. Bring ID.",
    "R|Just paid ${price} for {toy} on a resale site, roast me||I know, I know. Couldn't find one anywhere.",
    "R|Tips for getting {toy} on restock day?||App notifications, which store, how early to queue?",
    "Y|{toy} restock day vlog: {hours} hours, {n} people ahead of me||Camping chair, snacks and a lot of sold out signs.",
    "Y|I bought {toy} from 5 different resellers (fakes?)||Comparing quality, prices and packaging.",
    "Y|Hunting for {toy} in {mall} - did I find one?||Store by store, no luck until the end.",
    "N|Resale prices for {toy} soar as restocks sell out||Collectors report paying up to ${price}; retailers in {country} introduce ticketed queues.",
    "N|Retailers add security for {toy} drops||Queues formed before dawn at {mall} as the latest batch sold out.",
)
add("toy", "shopping", "en",
    "S|{brand} at {mall} handing out queue tickets at 7am. I got number {n}",
    "S|the {brand} website queue says 40 minutes. for a blind box. I'm staying",
    "R|{brand} online restock: bots everywhere?||Sold out in under a minute again. Anyone actually get through checkout?",
    "Y|{brand} haul: spent ${price} on restock day||Opening everything I bought at {mall}.",
    "N|{brand} tightens purchase limits as shoppers queue overnight||Stores in {country} cap sales per customer after crowds and resale listings.",
)

# ---- emerging terms (W47 only; deliberately NOT on the watchlist) ------------------------
JADE_HEIRESS = {
    "en": [
        "S|everyone on my feed is watching The Jade Heiress and now so am I. episode {n} twist?!! #TheJadeHeiress",
        "S|The Jade Heiress is the best short drama I've watched all year, the jade pendant reveal 😭",
        "S|ok The Jade Heiress is everywhere. {n} episodes in one night, send help #shortdrama",
        "S|the way The Jade Heiress slaps her fake family in ep {n}. iconic. #TheJadeHeiress",
        "S|new micro drama The Jade Heiress took over my fyp overnight",
        "R|The Jade Heiress, what app is it on?||This short drama is all over my feed but I can't find where to watch the full series.",
        "R|The Jade Heiress ending explained?||Just binged The Jade Heiress. Was the grandmother in on it the whole time?",
        "R|Why is The Jade Heiress suddenly everywhere?||The micro drama came out of nowhere this week. The trailer has millions of views.",
        "Y|The Jade Heiress FULL EPISODES (1-{n})||The short drama everyone is talking about this week.",
        "Y|Reacting to The Jade Heiress, the viral micro drama||Is the hype real?",
        "N|'The Jade Heiress' becomes the week's breakout short drama||The vertical series topped download charts in {country} within days of release.",
    ],
    "es": ["S|Todos hablan de The Jade Heiress y ya entiendo por qué 😭 #TheJadeHeiress",
           "S|The Jade Heiress capítulo {n}, no puedo más"],
    "pt": ["S|The Jade Heiress é o melhor microdrama do ano, viciei #TheJadeHeiress",],
    "id": ["S|The Jade Heiress seru banget, udah nonton {n} episode",],
}
PINO_JELLY = {
    "en": [
        "S|Pino Jelly is the new Pop Mart line everyone wants and I finally got one 🍮",
        "S|Pino Jelly blind boxes sold out at {mall} in 20 minutes. the jelly era has begun",
        "S|not me queueing for Pino Jelly after swearing off blind boxes #popmart",
        "S|Pino Jelly > everything else in the new Pop Mart drop, fight me",
        "R|Pino Jelly secret figure odds?||Bought {n} boxes of the new Pino Jelly series, no secret. Anyone know the ratio?",
        "R|Is Pino Jelly the next Labubu?||The new Pop Mart character is selling out everywhere this week.",
        "Y|Unboxing Pino Jelly, the new Pop Mart craze||Full set and the secret!",
        "N|Pop Mart's Pino Jelly sells out on debut||The new character line joins Labubu as a hit with collectors in {country}.",
    ],
    "ja": ["S|Pino Jellyかわいすぎて全種類買った #ポップマート",],
    "th": ["S|Pino Jelly ของหมดเร็วมาก ต่อคิวไม่ทัน",],
}

# ---- noise and hard negatives (no watched entity) ----------------------------------------
NOISE = {
    "en": [
        "S|coffee first, emails later. {weekday} again",
        "S|anyone else's wifi been terrible all week? {n} support calls so far",
        "S|finally finished my {n}-week marathon training block 🏃",
        "S|the new season of {westshow} is so good",
        "S|rain again in {eucity}. the whole city is a puddle",
        "S|my {pet} knocked my plant off the shelf and looked me in the eye",
        "S|hot take: {snack} is an acceptable breakfast",
        "S|the new {westgame} trailer has me shaking",
        "S|just finished {westgame}, what a ride. {n} hours well spent",
        "S|book club picked a {n}00 page fantasy novel, pray for us",
        "S|{weekday} mood: cancel everything and nap",
        "S|k-pop comeback season is exhausting my wallet",
        "S|watching anime all weekend, any recs besides {anime}?",
        "S|{anime} season 2 finale had me screaming",
        "S|learning to bake bread, loaf number {n} is finally edible",
        "S|my {pet} has a vet appointment at {n} and is already sulking",
        "S|{westshow} spoilers everywhere, muting every word I know",
        "R|Best budget mechanical keyboard?||Looking for something under ${price} with hot-swap switches.",
        "R|What's a show you can rewatch forever?||Mine is {westshow}.",
        "R|Moving to {eucity}, tips for making friends?||Just relocated for work, {n} weeks in.",
        "R|Is {westgame} worth it in 2026?||On sale for ${price}. I have maybe {n} hours a week.",
        "R|My {pet} refuses to eat anything but one brand||Vet says it's fine but it's getting expensive.",
        "R|How do you stay motivated to run in winter?||It's dark at 5pm in {eucity}.",
        "N|Central bank holds interest rates steady in {weekday} decision||Markets in {eucity} were little changed after the announcement.",
        "N|Storm warnings issued across northern Europe||Forecasters expect gusts of up to {n}0 km/h around {eucity}.",
        "N|Rail strike disrupts travel around {eucity}||Commuters face a second day of cancellations.",
        "N|{westgame} sequel confirmed for next year||The studio shared a first teaser.",
        "Y|My morning routine ({weekday} edition)||Productivity tips and coffee.",
        "Y|{westgame} - {n} secrets you missed||Hidden areas and easter eggs.",
        "Y|I tried instant ramen from {n} countries||Ranking them all.",
    ],
    "hardneg": [
        "S|so much drama at the office today, two managers fighting over a meeting room",
        "S|the drama in my group chat is better than anything on TV",
        "S|the {westshow} reunion drama is my guilty pleasure",
        "S|my {pet} destroyed his new squeaky toy in {n} minutes. record",
        "R|Best indestructible dog toy?||My lab chews through everything. Need a chew toy that survives a week.",
        "S|kids' toy aisle at {mall} is chaos before the holidays",
        "S|fast travel in {westgame} is broken, I keep loading into walls",
        "R|Is there a mod to disable fast travel in {westgame}?||Want to walk everywhere for immersion.",
        "R|Any good open-world games with fast travel done right?||Tired of backtracking in {westgame}.",
        "S|grandma left me her fine china set and I'm scared to use it",
        "R|How to clean antique bone china?||Found a porcelain china tea set at a flea market in {eucity}, some stains.",
        "S|Molly from accounting brought cookies again, best coworker",
        "S|crybaby by Melanie Martinez is still a banger",
        "S|YOLO, booked the skydiving trip for {weekday}",
        "S|hi mom! made it to the finals 🏆",
        "S|Whitesnake on vinyl sounds so good",
        "S|took the HSR from Taipei to Kaohsiung, 90 minutes, love trains",
        "S|zzz so tired after night shift",
        "S|Black Friday deals already? it's barely November",
        "S|office drama update: the fridge thief has been identified",
    ],
    "travel_food": [  # real-life interest with no pop-culture product
        "S|booked a trip to China for spring, visa-free now. {city} first ✈️",
        "R|Two weeks in China itinerary check||Beijing, Xi'an, {city}, Chongqing. Is high speed rail easy to book?",
        "S|best {dish} in town just opened near my office",
        "S|made {dish} from scratch. not pretty but tasted great",
        "R|Learning Chinese as a complete beginner||Is HSK 1 realistic in {n} months with 30 minutes a day?",
        "N|China extends visa-free entry for more countries||Tourism from {country} rose sharply this year.",
        "R|Scholarship to study in China?||Considering the CSC scholarship for a master's at {uni}.",
        "S|first time trying {dish} and I get the hype now",
    ],
    "es": ["S|Por fin viernes, a descansar", "S|El café de la mañana es sagrado", "S|Mucho drama en la oficina hoy 🙄",
           "S|Llueve otra vez en {eucity}", "S|Mi {pet} no me deja trabajar"],
    "pt": ["S|Segunda-feira de novo, socorro", "S|Meu cachorro destruiu o brinquedo novo em {n} minutos", "S|Terminei {westshow}, que final"],
    "de": ["S|Wieder Regen in Berlin", "S|Zu viel Drama im Büro heute", "S|Bahn hat wieder {n} Minuten Verspätung"],
    "fr": ["S|Enfin le week-end", "S|Grève des trains encore une fois", "S|Mon {pet} dort sur mon clavier"],
    "id": ["S|Macet parah hari ini di Jakarta", "S|Kopi dulu baru kerja", "S|Hujan terus dari pagi"],
    "ja": ["S|今日は寒いね", "S|仕事終わった〜", "S|週末は何しようかな"],
    "ko": ["S|오늘 너무 피곤하다", "S|주말에 뭐하지", "S|커피 없으면 못 살아"],
    "vi": ["S|Hôm nay trời mưa quá", "S|Cuối tuần rồi, nghỉ ngơi thôi"],
    "th": ["S|วันนี้ร้อนมาก", "S|รถติดมากวันนี้"],
}

HASHTAGS = {
    "drama": ["#cdrama", "#shortdrama", "#microdrama", "#cdramas", "#chinesedrama", ""],
    "game": ["#gacha", "#gachagame", "", "#gaming"],
    "toy": ["#blindbox", "#designertoy", "#arttoy", "#popmart", "", ""],
    "animation": ["#donghua", "#chineseanimation", ""],
    "film": [""], "literature": ["#webnovel", ""], "music": ["#cpop", "#mandopop", ""],
}

EMOJI = ["", "", "", " 😭", " 🔥", " ✨", " 💀", " 🙏", " 😍", " 👀"]

INTERESTS = ["-", "travel", "food", "study", "language", "business", "shopping"]
INTEREST_WEIGHTS = {
    "drama": [62, 4, 4, 2, 8, 12, 8],
    "game": [71, 3, 5, 2, 5, 8, 6],
    "toy": [58, 3, 2, 0, 0, 8, 29],
    "animation": [80, 6, 0, 0, 0, 14, 0],
    "film": [82, 0, 0, 0, 0, 18, 0],
    "literature": [85, 0, 0, 0, 15, 0, 0],
    "music": [88, 0, 0, 0, 0, 0, 12],
}
LANGS = ["es", "pt", "id", "fr", "de", "ja", "ko", "vi", "th"]
LANG_WEIGHTS = {
    "drama": [22, 16, 18, 8, 5, 6, 6, 8, 8],
    "game": [14, 14, 10, 8, 8, 16, 14, 6, 6],
    "toy": [8, 6, 12, 4, 3, 16, 14, 12, 22],
    "animation": [20, 20, 15, 15, 10, 10, 10, 0, 0],
    "film": [40, 0, 0, 0, 40, 0, 0, 0, 0],
    "literature": [35, 35, 30, 0, 0, 0, 0, 0, 0],
    "music": [40, 0, 30, 0, 0, 0, 0, 15, 15],
    "noise": [16, 10, 10, 10, 10, 10, 10, 6, 6],
}
LOCAL_ZONES = {"ja": 9, "ko": 9}  # these posters' timestamps come with their local offset

DAY_WEIGHTS = [1.0, 0.95, 1.0, 1.05, 1.15, 1.45, 1.4]  # Mon..Sun: more on weekends
HOUR_WEIGHTS = [  # UTC; Americas evening and Asia/Europe day overlap
    5, 4, 3, 2, 2, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 13, 13, 12, 11, 10, 8, 6,
]

SOCIAL_SOURCES = {  # source weights for short posts, by language
    "default": (["x", "bluesky", "mastodon"], [60, 25, 15]),
    "de": (["x", "bluesky", "mastodon"], [35, 20, 45]),
    "fr": (["x", "bluesky", "mastodon"], [45, 20, 35]),
    "ja": (["x", "bluesky", "mastodon"], [80, 10, 10]),
    "pt": (["x", "bluesky", "mastodon"], [50, 45, 5]),
}

NEWS_AUTHORS = ["TechPulse Daily", "Pocket Gamer Biz", "Variety Asia", "Culture Desk Wire", "Game Market Weekly",
                "Asia Entertainment Report", "Toy Trade News", "Streaming Insider", "The Screen Ledger", "Mobile Market Watch"]
SUBREDDITS = {"drama": ["CDrama", "shortdramas", "CShortDramas"], "game": ["Genshin_Impact", "HonkaiStarRail", "gachagaming", "WutheringWaves", "BlackMythWukong"],
              "toy": ["popmart", "Labubu", "blindbox", "DesignerToys"], "animation": ["donghua", "ChineseAnimation"],
              "film": ["movies", "ChineseCinema"], "literature": ["noveltranslations", "danmei", "LordofTheMysteries"],
              "music": ["cpop", "Mandopop"], "noise": ["AskReddit", "mechanicalkeyboards", "dogs", "travel", "gaming", "Antiques"]}


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


@dataclass
class Draft:
    """A generated post before ids are assigned (ordering is by time)."""

    when: datetime
    lang: str
    kind: str
    category: str
    title: str | None
    text: str
    stream: str
    interest: str


def poisson(rng: random.Random, lam: float) -> int:
    """Poisson sample (Knuth for small λ, rounded normal for large)."""
    if lam <= 0:
        return 0
    if lam > 60:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def stable(rng: random.Random, lam: float, week: int) -> int:
    """Poisson count; in W43-W47 (the digest's baseline and latest week) kept within ±√λ.

    Unconstrained draws now and then land 2.5σ out, and the digest would then rightly call a
    "stable" stream rising or falling; the documented story must not depend on that luck.
    """
    while True:
        k = poisson(rng, lam)
        if week < 3 or abs(k - lam) <= max(math.sqrt(lam), 1.5):
            return k


def make_handles(rng: random.Random, count: int) -> list[str]:
    """A pool of plausible social handles."""
    first = ["luna", "mika", "jojo", "kai", "rin", "sora", "nina", "alex", "bea", "leo", "yuki", "mina", "tess", "omar", "ana",
             "duda", "putri", "minh", "ploy", "hana", "jin", "lucas", "chloe", "emma", "noah", "ravi", "sofia", "kenji", "dara", "lia"]
    second = ["drama", "gacha", "toys", "reads", "binge", "pulls", "collects", "plays", "watches", "vibes", "cdrama", "shelf",
              "boxes", "arts", "daily", "nerd", "fan", "loves", "tea", "moon", "star", "pixel", "panda", "mango"]
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < count:
        shape = rng.randrange(4)
        a, b = rng.choice(first), rng.choice(second)
        handle = [f"{a}_{b}", f"{a}{b}{rng.randrange(10, 999)}", f"{b}.{a}", f"{a}.{b}_{rng.randrange(1, 99)}"][shape]
        if handle not in seen:
            seen.add(handle)
            out.append(handle)
    return out


class Generator:
    """Builds the corpus from scripted weekly streams."""

    def __init__(self, seed: int = SEED) -> None:
        self.rng = random.Random(seed)
        self.handles = make_handles(self.rng, 360)
        # Zipf-ish: a few prolific posters, a long tail.
        self.handle_weights = [1.0 / (i + 1) ** 0.8 for i in range(len(self.handles))]
        self.drafts: list[Draft] = []
        self.stream = ""

    # ---- slot filling ----------------------------------------------------------------------
    def alias(self, slot: str, name: str, lang: str, social: bool = True) -> str:
        """One of the names people use; "ko:…" style aliases only in posts of that language."""
        options: list[str] = []
        weights: list[float] = []
        for i, alias in enumerate(ENTITIES[slot][name]):
            code, sep, rest = alias.partition(":")
            if sep and code in LANGS:
                if code == lang:
                    options.append(rest)
                    weights.append(5.0)
                continue
            if alias.startswith("#") and not social:
                continue
            options.append(alias)
            weights.append(4.0 if i == 0 else 1.0)
        return self.rng.choices(options, weights)[0]

    def random_entity(self, slot: str, exclude: tuple[str, ...] = ()) -> str:
        names = [n for n in ENTITIES[slot] if n not in SCRIPTED and n not in exclude]
        return self.rng.choices(names, [POPULARITY.get(n, 1.0) for n in names])[0]

    def fill(self, template: str, category: str, lang: str, main: tuple[str, str] | None, social: bool) -> str:
        values: dict[str, str] = {}
        main_slot, main_name = main if main else ("", "")

        def value(match: re.Match[str]) -> str:
            slot = match.group(1)
            if slot in values:
                return values[slot]
            rng = self.rng
            if slot == main_slot:
                v = self.alias(slot, main_name, lang, social)
            elif slot in ENTITIES:
                v = self.alias(slot, self.random_entity(slot, (main_name,)), lang, social)
            elif slot in ("game2", "show2"):
                base = slot[:-1]
                v = self.alias(base, self.random_entity(base, (main_name,)), lang, social)
            elif slot == "char":
                v = rng.choice(CHARACTERS.get(main_name, ["my main", "the new character"]))
            elif slot == "ht":
                v = rng.choice(HASHTAGS.get(category, [""]))
            elif slot == "n":
                v = str(rng.choice([2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 17, 20, 25, 30, 40, 47, 60, 80]))
            elif slot == "hours":
                v = str(rng.randint(2, 9))
            elif slot in ("site", "site_short", "province"):
                values["site"], values["site_short"], values["province"] = rng.choice(SITES)
                v = values[slot]
            elif slot == "price":
                v = str(rng.choice([45, 60, 80, 95, 120, 150, 180, 240, 300, 450]))
            else:
                v = rng.choice(FILLERS[slot])
            values[slot] = v
            return v

        return re.sub(r"\{(\w+)\}", value, template)

    # ---- time ------------------------------------------------------------------------------
    def when(self, week: int, day: int | None = None, kind: str = "S") -> datetime:
        rng = self.rng
        if day is None:
            day = rng.choices(range(7), DAY_WEIGHTS)[0]
        # First Monday from 08:00 UTC, last Sunday until 20:59 UTC: every post stays inside
        # 2026-W40…W47 in any timezone from UTC-8 to UTC+3 (the digest counts weeks locally).
        low = 8 if (week, day) == (0, 0) else 0
        high = 20 if (week, day) == (7, 6) else 23
        if kind == "N":
            hour = rng.randint(max(5, low), min(17, high))
            minute, second = rng.choice([0, 0, 15, 30, 45]), 0
        else:
            hour = rng.choices(range(low, high + 1), HOUR_WEIGHTS[low : high + 1])[0]
            minute, second = rng.randrange(60), rng.randrange(60)
        return START + timedelta(days=7 * week + day, hours=hour, minutes=minute, seconds=second)

    # ---- choosing language and template ----------------------------------------------------
    def pick_lang(self, category: str) -> str:
        if self.rng.random() >= NON_EN_SHARE:
            return "en"
        return self.rng.choices(LANGS, LANG_WEIGHTS[category])[0]

    def pick_template(self, category: str, interest: str, lang: str, main: tuple[str, str]) -> tuple[str, str, str]:
        """(template, language, interest) for the cell; falls back to English, then to no interest."""
        main_slot, main_name = main
        gacha = main_name in GACHA
        for key in ((category, interest, lang), (category, interest, "en"), (category, "-", lang), (category, "-", "en")):
            options = [t for t in TEMPLATES.get(key, [])
                       if "{" + main_slot + "}" in t and (gacha or "*" not in t.partition("|")[0])]
            if options:
                return self.rng.choice(options), key[2], key[1]
        raise KeyError((category, interest, lang, main_slot))

    def emit(self, template: str, lang: str, category: str, week: int, day: int | None,
             main: tuple[str, str] | None, interest: str = "-") -> None:
        kind, _, rest = template.partition("|")
        kind = kind.rstrip("*")
        filled = self.fill(rest, category, lang, main, kind == "S")
        title: str | None
        if "||" in filled:
            title, text = filled.split("||", 1)
        else:
            title, text = None, filled
        if kind == "S":
            text = text.rstrip() + self.rng.choice(EMOJI) if not text.rstrip().endswith(("😭", "🎉", "📚", "💕", "🤞")) else text
            if lang == "en" and self.rng.random() < 0.12:
                text = text.lower()
        text = re.sub(r"\s+", " ", text).strip()
        self.drafts.append(Draft(self.when(week, day, kind), lang, kind, category, title, text, self.stream, interest))

    def post(self, week: int, category: str, slot: str, name: str, interest: str | None = None,
             day: int | None = None, lang: str | None = None) -> None:
        if interest is None:
            interest = self.rng.choices(INTERESTS, INTEREST_WEIGHTS[category])[0]
        lang = lang or self.pick_lang(category)
        template, lang, interest = self.pick_template(category, interest, lang, (slot, name))
        self.emit(template, lang, category, week, day, (slot, name), interest)

    def scripted(self, week: int, category: str, table: dict[str, list[str]], day: int | None = None,
                 main: tuple[str, str] | None = None, non_en: float = 0.2) -> None:
        langs = [k for k in table if k != "en"]
        lang = self.rng.choice(langs) if langs and self.rng.random() < non_en else "en"
        self.emit(self.rng.choice(table[lang]), lang, category, week, day, main)

    # ---- the streams -----------------------------------------------------------------------
    def build(self) -> list[Draft]:
        rng = self.rng
        for week in range(8):
            latest = week == 7
            # (1) Labubu / Pop Mart: flat, then a W47 shopping surge with a spike on Friday 2026-11-20.
            self.stream = "labubu_popmart"
            for i in range(stable(rng, LABUBU_W47 if latest else LABUBU_BASE, week)):
                day = SPIKE_DAY if latest and i < LABUBU_SPIKE else None
                slot, name = ("toy", "Labubu") if rng.random() < 0.72 else ("brand", "Pop Mart")
                shop_share = 0.78 if latest else 0.42
                interest = rng.choices(["shopping", "travel", "business", "-"], [shop_share, 0.03, 0.08, 0.89 - shop_share])[0]
                self.post(week, "toy", slot, name, interest, day)
            self.stream = "toy_other"
            self.entity_mix(week, "toy", 30, [("toy", 0.85), ("brand", 0.15)])
            # (2) DramaBox: +15 % a week (little noise), with a growing share of language-learning posts.
            self.stream = "dramabox"
            lam = DRAMABOX_START * DRAMABOX_GROWTH**week
            for _ in range(round(lam * rng.uniform(0.96, 1.04))):
                interest = "language" if rng.random() < 0.12 + 0.045 * week else None
                self.post(week, "drama", "app", "DramaBox", interest)
            self.stream = "drama_language"  # "learning Chinese because of dramas", growing
            for _ in range(stable(rng, 5 + 1.4 * week, week)):
                slot = rng.choice(["show", "app"])
                self.post(week, "drama", slot, self.random_entity(slot), "language")
            self.stream = "drama_other"
            self.entity_mix(week, "drama", 90, [("app", 0.49), ("show", 0.41), ("platform", 0.10)])
            # (3) Black Myth: Wukong: steady chatter, travel conversion in W46-W47.
            self.stream = "black_myth"
            for _ in range(stable(rng, 10, week)):
                interest = rng.choice(["-", "-", "-", "-", "business", "shopping"])
                self.post(week, "game", "game", "Black Myth: Wukong", interest)
            self.stream = "black_myth_travel"
            for _ in range(BLACK_MYTH_TRAVEL_COUNTS[week]):
                self.scripted(week, "game", BLACK_MYTH_TRAVEL, main=("game", "Black Myth: Wukong"), non_en=0.25)
            self.stream = "game_other"
            self.entity_mix(week, "game", 96, [("game", 0.96), ("studio", 0.04)])
            # (4) Emerging terms not on the watchlist, W47 only.
            if latest:
                self.stream = "jade_heiress"
                for _ in range(JADE_HEIRESS_COUNT):
                    self.scripted(week, "drama", JADE_HEIRESS, day=rng.choice([None, None, 3, 4, 5, 6]), non_en=0.2)
                self.stream = "pino_jelly"
                for _ in range(PINO_JELLY_COUNT):
                    self.scripted(week, "toy", PINO_JELLY, day=rng.choice([None, SPIKE_DAY, 5, 6]), non_en=0.15)
            # (5) Everything else stable with Poisson noise, small categories included.
            for stream, category, slot, lam in (("animation", "animation", "donghua", 24), ("film", "film", "film", 7),
                                                ("literature", "literature", "novel", 6), ("music", "music", "artist", 6)):
                self.stream = stream
                self.entity_mix(week, category, lam, [(slot, 1.0)])
            self.stream = "small_fixed"
            for (slot, name, category), counts in SMALL_FIXED.items():
                for _ in range(counts[week]):
                    self.post(week, category, slot, name)
            self.stream = "noise"
            for _ in range(stable(rng, 34, week)):
                self.noise(week, "en")
            for _ in range(stable(rng, 14, week)):
                self.noise(week, rng.choices(LANGS, LANG_WEIGHTS["noise"])[0])
            self.stream = "hard_negative"
            for _ in range(stable(rng, 18, week)):
                self.noise(week, "hardneg")
            self.stream = "interest_only"
            for _ in range(stable(rng, 7, week)):
                self.noise(week, "travel_food")
        return self.drafts

    def entity_mix(self, week: int, category: str, lam: float, slots: list[tuple[str, float]]) -> None:
        """A stable stream: each entity gets its own Poisson count (share of λ by popularity)."""
        for slot, share in slots:
            names = [n for n in ENTITIES[slot] if n not in SCRIPTED]
            total = sum(POPULARITY.get(n, 1.0) for n in names)
            for name in names:
                for _ in range(stable(self.rng, lam * share * POPULARITY.get(name, 1.0) / total, week)):
                    self.post(week, category, slot, name)

    def noise(self, week: int, pool: str) -> None:
        lang = pool if pool in LANGS else "en"
        self.emit(self.rng.choice(NOISE[pool]), lang, "noise", week, None, None)

    # ---- serialisation ---------------------------------------------------------------------
    def author(self, kind: str, source: str) -> str:
        if kind == "N":
            return self.rng.choice(NEWS_AUTHORS)
        handle = self.rng.choices(self.handles, self.handle_weights)[0]
        if source == "bluesky":
            return f"{handle.replace('_', '-')}.bsky.social"
        if source == "mastodon":
            return f"{handle}@{self.rng.choice(['mastodon.social', 'mstdn.jp', 'fosstodon.org', 'mas.to'])}"
        if source == "youtube":
            return handle.replace("_", " ").replace(".", " ").title().replace(" ", "")
        return handle

    def metrics(self, source: str, boost: float) -> dict[str, int]:
        rng = self.rng

        def heavy(mu: float, sigma: float = 1.3) -> int:
            return int(rng.lognormvariate(mu + math.log(boost), sigma))

        if source == "reddit":
            score = heavy(3.5)
            return {"score": score, "comments": int(score * rng.uniform(0.05, 0.5))}
        if source == "x":
            likes = heavy(3.0, 1.6)
            return {"likes": likes, "reposts": int(likes * rng.uniform(0.02, 0.25)),
                    "replies": int(likes * rng.uniform(0.01, 0.12)), "views": likes * rng.randint(20, 90)}
        if source == "bluesky":
            likes = heavy(2.3)
            return {"likes": likes, "reposts": int(likes * rng.uniform(0.05, 0.3)), "replies": int(likes * rng.uniform(0.02, 0.2))}
        if source == "mastodon":
            fav = heavy(1.5, 1.0)
            return {"favourites": fav, "reblogs": int(fav * rng.uniform(0.1, 0.5)), "replies": int(fav * rng.uniform(0.0, 0.3))}
        if source == "youtube":
            views = heavy(8.0, 1.5)
            return {"views": views, "likes": int(views * rng.uniform(0.01, 0.06)), "comments": int(views * rng.uniform(0.001, 0.01))}
        return {}

    def source_for(self, draft: Draft) -> str:
        if draft.kind == "R":
            return "reddit"
        if draft.kind == "N":
            return "rss"
        if draft.kind == "Y":
            return "youtube"
        names, weights = SOCIAL_SOURCES.get(draft.lang, SOCIAL_SOURCES["default"])
        return self.rng.choices(names, weights)[0]

    def records(self) -> list[tuple[Draft, dict[str, object]]]:
        drafts = sorted(self.build(), key=lambda d: (d.when, d.text))
        out: list[tuple[Draft, dict[str, object]]] = []
        for number, draft in enumerate(drafts, start=1):
            post_id = f"sample-{number:06d}"
            source = self.source_for(draft)
            offset = LOCAL_ZONES.get(draft.lang, 0)
            stamp = draft.when.astimezone(timezone(timedelta(hours=offset))).isoformat()
            if source == "rss":
                stamp = stamp.replace("+00:00", "Z")
            sub = self.rng.choice(SUBREDDITS.get(draft.category, SUBREDDITS["noise"]))
            url = {
                "reddit": f"https://example.invalid/r/{sub}/comments/{post_id}",
                "youtube": f"https://example.invalid/watch/{post_id}",
                "rss": f"https://example.invalid/news/{post_id}",
            }.get(source, f"https://example.invalid/{source}/{post_id}")
            boost = 3.0 if draft.when.date().isoformat() == "2026-11-20" and draft.category == "toy" else 1.0
            record: dict[str, object] = {"source": source, "id": post_id, "url": url, "author": self.author(draft.kind, source)}
            if draft.title:
                record["title"] = draft.title
            record["text"] = draft.text
            record["created_at"] = stamp
            if source in ("x", "bluesky", "mastodon"):
                record["lang"] = draft.lang  # these APIs report a language tag
            record["metrics"] = self.metrics(source, boost)
            out.append((draft, record))
        return out


# Patterns the README and tests/test_sample_corpus.py use to check the trends in the raw text.
TREND_PATTERNS = {
    "Labubu / Pop Mart": r"labubu|pop ?mart|ラブブ|라부부|拉布布|ลาบูบู้|泡泡玛特|ポップマート|팝마트",
    "DramaBox": r"drama ?box",
    "The Jade Heiress (not watched)": r"jade heiress",
    "Pino Jelly (not watched)": r"pino jelly",
}


def week_of(created_at: str) -> int:
    """0 for 2026-W40 … 7 for 2026-W47 (from the UTC instant)."""
    when = datetime.fromisoformat(created_at.replace("Z", "+00:00")).astimezone(UTC)
    return (when - START).days // 7


def build(seed: int = SEED) -> tuple[bytes, str]:
    """(gzip bytes of the corpus, README text); gzip has mtime 0 and no name, so bytes are stable."""
    pairs = Generator(seed).records()
    raw = "".join(json.dumps(record, ensure_ascii=False) + "\n" for _, record in pairs).encode("utf-8")
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=0) as gz:
        gz.write(raw)
    data = buffer.getvalue()
    return data, readme(pairs, len(data))


def table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def readme(pairs: list[tuple[Draft, dict[str, object]]], size: int) -> str:
    """The README, with counts taken from the generated posts."""
    weeks = range(8)
    by_cat: Counter[tuple[str, int]] = Counter()
    by_stream: Counter[tuple[str, int]] = Counter()
    langs: Counter[str] = Counter()
    sources: Counter[str] = Counter()
    mentions: Counter[tuple[str, int]] = Counter()
    spike_days: Counter[str] = Counter()
    for draft, record in pairs:
        week = week_of(str(record["created_at"]))
        by_cat[(draft.category, week)] += 1
        by_stream[(draft.stream, week)] += 1
        if draft.stream == "dramabox" and draft.interest == "language":
            by_stream[("dramabox language", week)] += 1
        if draft.stream == "labubu_popmart" and draft.interest == "shopping":
            by_stream[("labubu_popmart shopping", week)] += 1
        langs[draft.lang] += 1
        sources[str(record["source"])] += 1
        text = f"{record.get('title') or ''}\n{record['text']}"
        for label, pattern in TREND_PATTERNS.items():
            if re.search(pattern, text, re.IGNORECASE):
                mentions[(label, week)] += 1
                if label.startswith("Labubu") and week == 7:
                    spike_days[draft.when.strftime("%m-%d %a")] += 1
    cats = ["drama", "game", "toy", "animation", "film", "literature", "music", "noise"]
    head = ["", *WEEK_LABELS, "total"]
    cat_rows = [[c, *(by_cat[(c, w)] for w in weeks), sum(by_cat[(c, w)] for w in weeks)] for c in cats]
    cat_rows.append(["**all**", *(sum(by_cat[(c, w)] for c in cats) for w in weeks), len(pairs)])
    trend_rows = [[label, *(mentions[(label, w)] for w in weeks)] for label in TREND_PATTERNS]
    streams = ["labubu_popmart", "labubu_popmart shopping", "dramabox", "dramabox language", "black_myth_travel", "drama_language", "small_fixed", "hard_negative", "interest_only"]
    trend_rows += [[f"stream `{st}`", *(by_stream[(st, w)] for w in weeks)] for st in streams]
    total = len(pairs)
    lang_text = ", ".join(f"{k} {v} ({100 * v / total:.0f}%)" for k, v in langs.most_common())
    source_text = ", ".join(f"{k} {v}" for k, v in sources.most_common())
    day_text = ", ".join(f"{k}: {v}" for k, v in sorted(spike_days.items()))
    return README_TEMPLATE.format(
        total=total, size=size, seed=SEED, cat_table=table(head, cat_rows), trend_table=table(["", *WEEK_LABELS], trend_rows),
        langs=lang_text, sources=source_text, spike_days=day_text, growth=round((DRAMABOX_GROWTH - 1) * 100),
        n_templates=sum(len(v) for v in TEMPLATES.values())
        + sum(len(v) for table in (BLACK_MYTH_TRAVEL, JADE_HEIRESS, PINO_JELLY, NOISE) for v in table.values()),
        small=", ".join(f"{name} {counts}" for (_, name, _), counts in SMALL_FIXED.items()),
    )


README_TEMPLATE = """# Sample corpus (SYNTHETIC)

`sample_posts.jsonl.gz` is **made-up data**. Every post was composed by
`scripts/generate_sample_corpus.py` from hand-written templates and slot fillers; none of it was
collected from any real service. Authors are invented handles, URLs point at `example.invalid`,
metrics are random. Ids all start with `sample-`. It exists so that `pulse demo` (and the tests)
can run the whole chain with no network and no credentials, and so that the digest has known
trends to find. Do not quote it as evidence about the real world.

- {total} posts, project JSON Lines format (`monitor/posts.py` `Post`), gzip, {size} bytes.
- Time span: ISO weeks 2026-W40 … 2026-W47 (Mon 2026-09-28 to Sun 2026-11-22), UTC instants;
  Japanese and Korean posts carry a `+09:00` offset, RSS items a `Z`. More posts on weekends.
  The first Monday starts at 08:00 UTC and the last Sunday ends before 21:00 UTC, so every post
  falls in the same 8 weeks in any timezone from UTC-8 to UTC+3 (the digest counts weeks in the
  configured timezone, Europe/Berlin by default).
- Sources: {sources}. Social posts (x, bluesky, mastodon) carry the `lang` tag those APIs report;
  Reddit, RSS and YouTube items do not.
- Languages: {langs}.
- No gold labels are included (the labelled evaluation set is `tests/data/labelled_posts.jsonl`).

## How it was generated

A `random.Random({seed})` drives weekly "streams" (a Poisson count per week, or a scripted count)
of posts per category and entity. Stable streams draw a Poisson count per entity and week; in
W43–W47 (the digest's 4-week baseline and the latest week) a draw is kept within ±√λ (at least
±1.5), so that luck alone never makes a "stable" title look rising or falling. Each post picks
an interest, a language and a template ({n_templates} of them: Reddit title + body, tweets with
hashtags and emoji, news headlines with a summary, YouTube titles with a description), then
fills its slots with entity aliases as people write them (Genshin / 原神 / #GenshinImpact,
HSR / Star Rail, Labubu / ラブブ / 라부부, LBFAD / 苍兰诀 …), characters, cities, dishes, malls.
Timestamps follow a weekday weight (weekends higher) and an hour-of-day weight. Posts are sorted
by time and numbered.

Also included on purpose: noise posts with no watched entity, interest-only posts (China trips,
hot pot, HSK) with no cultural product, and hard negatives: office "drama", a dog "toy",
"fast travel" in a game, porcelain "china", Molly from accounting, Melanie Martinez's "Crybaby",
"YOLO", "hi mom", Whitesnake, the Taiwan HSR (high-speed rail), "zzz".

Regenerate (byte-for-byte identical output; `tests/test_sample_corpus.py` checks it):

```
.venv/bin/python scripts/generate_sample_corpus.py            # writes this folder
.venv/bin/python scripts/generate_sample_corpus.py --out /tmp/x
```

## Counts per week and category (category of the generating stream; "noise" = no watched product)

{cat_table}

## Trends built in (what the digest should find in the latest week, 2026-W47)

Raw-text counts per week (case-insensitive regex over title + text) and scripted stream sizes:

{trend_table}

1. **Labubu / Pop Mart shopping surge.** Toy volume roughly doubles in W47 against the W43–W46
   mean; most Labubu / Pop Mart posts that week are shopping posts (queues, restock, resale,
   sold out, hauls), and a spike of them lands on Friday 2026-11-20 (W47 mentions by day: {spike_days}).
2. **Steady rise of DramaBox**, about +{growth}% a week over all 8 weeks, with a growing share of
   "language" posts (people learning Chinese because of dramas); the general drama-driven
   language-learning stream grows too.
3. **Black Myth: Wukong travel conversion.** Game posts about trips to Shanxi temples
   (Xiaoxitian, Yuhuang, Foguang, Tiefo, Shuanglin …) and Chongqing's Dazu Rock Carvings jump in
   W46–W47 (1–2 a week before).
4. **Emerging terms that are not on the watchlist**, W47 only: the short drama "The Jade Heiress"
   (#TheJadeHeiress) and the Pop Mart toy line "Pino Jelly". Neither appears in
   `docs/taxonomy.md` or `config/keywords.yaml`, so "suggested keywords" has something real to find.
5. **Everything else is stable** with Poisson noise, including the small categories (film,
   literature, music). Three tiny entities have fixed schedules whose W47 value is 3 after a 1
   in W46 — a change that must *not* be reported as rising: {small}.
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder to write sample_posts.jsonl.gz and README.md into")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    data, text = build()
    (args.out / "sample_posts.jsonl.gz").write_bytes(data)
    (args.out / "README.md").write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {len(data)} bytes")


if __name__ == "__main__":
    main()
