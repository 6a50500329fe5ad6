import zlib, struct, hashlib, csv, os, io, sys
out = sys.argv[1]
os.makedirs(out + "/attachments", exist_ok=True)

def png(width, height, pixel):
    raw = bytearray()
    for y in range(height):
        raw.append(0)
        for x in range(width):
            raw.extend(pixel(x, y))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b""))

W, H = 64, 48
def scene(sky, ground, sun, house):
    def pixel(x, y):
        if (x - 50) ** 2 + (y - 10) ** 2 < 30: return sun
        if house and 14 <= x < 34 and 22 <= y < 36:
            if 20 <= x < 26 and 28 <= y < 36: return (120, 70, 40)
            return house
        if house and 12 <= x < 36 and 14 + abs(x - 24) // 2 <= y < 22: return (170, 40, 40)
        if y >= 36: return ground
        return sky
    return pixel
def page(ink):
    def pixel(x, y):
        if x < 4 or x >= W - 4 or y < 3 or y >= H - 3: return (200, 200, 200)
        if y % 6 == 0 and 8 <= x < W - 8: return ink
        if y in (6, 7) and 8 <= x < 40: return (30, 30, 30)
        if 44 <= x < 56 and 34 <= y < 44 and (x - 50) ** 2 + (y - 39) ** 2 < 25: return (210, 30, 30)
        return (250, 250, 245)
    return pixel

images = {
    "home1": png(W, H, scene((150, 200, 240), (90, 160, 80), (250, 210, 60), (230, 220, 200))),
    "home2": png(W, H, scene((120, 170, 230), (110, 150, 70), (255, 180, 40), (210, 200, 230))),
    "home3": png(W, H, scene((180, 210, 235), (140, 120, 90), (250, 230, 120), (240, 240, 230))),
    "camp": png(W, H, scene((100, 160, 220), (60, 140, 60), (255, 200, 80), None)),
    "ledger1": png(W, H, page((120, 140, 200))),
    "ledger2": png(W, H, page((90, 170, 120))),
}
names = {}
for key, data in images.items():
    digest = hashlib.sha256(data).hexdigest()
    name = digest + ".png"
    with open(os.path.join(out, "attachments", name), "wb") as f:
        f.write(data)
    os.chmod(os.path.join(out, "attachments", name), 0o644)
    names[key] = (name, digest)
    print(key, len(data), name, file=sys.stderr)

streets = ["坂田", "吉华", "布吉", "平湖", "南湾", "横岗", "园山", "宝龙", "龙城", "龙岗", "坪地"]
on_time = {"2019-06": "2019-06-2", "2019-08": "2019-08-2", "2019-10": "2019-10-2"}
late = {("2019-06", "龙城"): "2019-06-27", ("2019-06", "坪地"): "2019-07-01",
        ("2019-08", "南湾"): "2019-08-28",
        ("2019-10", "龙城"): "2019-10-29", ("2019-10", "宝龙"): "2019-10-26", ("2019-10", "横岗"): "2019-11-04"}
missing = {("2019-08", "园山"), ("2019-10", "坪地")}
results = {
    "2019-06": ["完成结对{n}对，全部在5月底前举行结对仪式", "召开结对启动会，妈妈与孩子见面并建立微信联系，结对{n}对",
                "摸底核实困难儿童情况，完成结对{n}对，首次家访全部完成"],
    "2019-08": ["暑期组织结对家庭参加社区夏令营，开展家访{v}次", "结对妈妈暑期陪伴孩子阅读、参观科技馆，家访{v}次",
                "为结对儿童送去新学期文具，开展家访{v}次，线上联系每周不少于一次"],
    "2019-10": ["开学后跟进孩子学习情况，国庆期间集中家访{v}次", "协助{n2}户家庭申请临时救助，家访{v}次",
                "组织结对妈妈与班主任沟通，家访{v}次，孩子成绩普遍稳定"],
}
experience = ["社区妇联主席带头结对，发挥示范作用", "结对妈妈与监护人建立固定联系时间，沟通顺畅",
              "家访前先与社区核实家庭近况，有针对性地送去所需物品", "利用微信群分享家访记录，妈妈之间互相学习",
              "把家访与社区活动结合，孩子更愿意交流"]
problems = ["个别结对妈妈工作繁忙，家访间隔偏长", "部分家庭外出务工，暑期难以联系", "",
            "个别孩子性格内向，沟通需要更多耐心", "结对妈妈更换单位后需重新安排结对", ""]

import collections
child_street = {r["id"]: r["street"] for r in csv.DictReader(open(out + "/children.csv", encoding="utf-8-sig"))}
pairing = {r["id"]: r for r in csv.DictReader(open(out + "/pairings.csv", encoding="utf-8"))}
paired = collections.Counter(child_street[p["child"]] for p in pairing.values() if p["since"] <= "2019-06-25")
windows = {"2019-06": ("2019-05-08", "2019-06-25"), "2019-08": ("2019-06-26", "2019-08-25"), "2019-10": ("2019-08-26", "2019-10-25")}
home_visits = collections.Counter()
for r in csv.DictReader(open(out + "/visits.csv", encoding="utf-8")):
    for key, (a, b) in windows.items():
        if r["kind"] == "家访" and a <= r["date"] <= b:
            home_visits[(key, child_street[pairing[r["pairing"]]["child"]])] += 1
rows = []
rid = 0
for pi, period in enumerate(["2019-06", "2019-08", "2019-10"]):
    for si, street in enumerate(streets):
        if (period, street) in missing: continue
        rid += 1
        day = late.get((period, street)) or on_time[period] + str((si * 7 + pi * 3) % 5)
        text = results[period][(si + pi) % 3].format(n=paired[street], v=home_visits[(period, street)], n2=1 + si % 3)
        rows.append([rid, street, period, day, text, experience[(si + 2 * pi) % len(experience)],
                     problems[(si * 3 + pi) % len(problems)]])
report_of = {(r[2], r[1]): r[0] for r in rows}

def write(name, header, data):
    with open(os.path.join(out, name), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(data)

write("reports.csv", ["id", "street", "period", "submitted", "results", "experience", "problems"], rows)

exemplars = [
    (("2019-06", "宝龙"), 71, "结对妈妈首次家访即协助申请临时救助，解决了孩子家庭的燃眉之急"),
    (("2019-08", "坂田"), 11, "暑期坚持每周陪孩子读书，孩子阅读兴趣明显提高"),
    (("2019-08", "吉华"), 2, "街道妇联主席亲自结对，带动辖区妇女踊跃报名"),
    (("2019-08", "坪地"), 4, "结对妈妈为孩子报名社区夏令营，全程陪同"),
    (("2019-10", "布吉"), 33, "发现孩子喜爱画画，联系社区美术老师免费辅导"),
    (("2019-10", "横岗"), 55, "两个月家访三次，与班主任保持联系，孩子作业完成情况好转"),
    (("2019-10", "宝龙"), 71, "连续五个月按时家访，孩子注意力和成绩都有提高"),
    (("2019-10", "南湾"), None, "社区妈妈团队轮流到困难家庭辅导功课，形成“一家有难大家帮”的氛围"),
]
write("exemplars.csv", ["id", "report", "pairing", "note"],
      [[i + 1, report_of[k], p if p else "", note] for i, (k, p, note) in enumerate(exemplars)])

attachments = [
    ("home1", None, 580, "2019-06-09", "宝龙 曹锦程 首次家访"),
    ("home2", None, 85, "2019-06-23", "坂田 马晨阳 首次家访"),
    ("camp", None, 31, "2019-07-08", "坪地 江俊熙 参加社区夏令营"),
    ("home3", None, 249, "2019-08-11", "布吉 孙诗涵 家访，孩子展示画作"),
    ("home1", None, 586, "2019-10-06", "宝龙 曹锦程 国庆节后家访"),
    ("ledger1", ("2019-06", "宝龙"), None, "", "台账：结对名单及首次家访记录（扫描件）"),
    ("ledger2", ("2019-08", "坂田"), None, "", "台账：暑期家访登记表（扫描件）"),
    ("camp", ("2019-08", "坪地"), None, "2019-07-08", "夏令营合影"),
    ("ledger1", ("2019-10", "宝龙"), None, "", "台账：九、十月家访记录（扫描件）"),
    ("home3", ("2019-10", "布吉"), None, "2019-08-11", "先进典型照片"),
]
write("attachments.csv", ["id", "file", "sha256", "report", "visit", "taken", "note"],
      [[i + 1, names[k][0], names[k][1], report_of[r] if r else "", v if v else "", t, n]
       for i, (k, r, v, t, n) in enumerate(attachments)])
