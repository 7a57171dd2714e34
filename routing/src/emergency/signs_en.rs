//! English phrases that show an emergency, each with what it needs around it (see `cue::Sign`).

use super::cue::{sign, Cue, Part::*, Sign};
use super::words::{CRASH_WORDS, HOME_WORDS, WIRE_WORDS};
use super::EmergencyKind::*;

const fn s(x: Sign) -> Cue {
    Cue::Sign(x)
}

/// Medical and trapped signs become crash injuries beside a crash; someone unresponsive in the water is drowning.
const MED: Sign = sign(Medical).upgrade(&[(Crash, CrashInjury), (InWater, Drowning)]);
const TRAP: Sign = sign(Trapped).upgrade(&[(Crash, CrashInjury)]);

pub(super) const TERMS: &[(Cue, &str)] = &[
    (
        s(sign(Fire)),
        "on fire|catching fire|caught fire|catches fire|caught on fire|catching on fire|set fire|set on fire\
         |setting fire|lit on fire|in flames|flames|flame|engulfed|wildfire|fire is spreading\
         |fire spreading|spreading fire|{is,are} burning|burning down|burning up|full of smoke|filled with smoke\
         |smoke filled|{house,building,apartment,apt,car,kitchen,grease,brush,grass,wild,forest,dumpster,trash,garage,structure,electrical,vehicle,big,huge,large,small,basement,attic,roof,truck,home,bus} fire",
    ),
    (
        s(sign(Fire).unless(&[Hearth])),
        "theres a fire|there is a fire|a fire|fire {in,at,inside,on,near,behind} {the,a,my,our,his,her,their,an}",
    ),
    (
        s(sign(Fire).near(&[(Flow, 3), (Building, 7)])),
        "smoke|thick smoke|black smoke|heavy smoke|dark smoke",
    ),
    (s(sign(Fire).unless(&[Wire])), "explosion|explosions|exploded"),
    (s(sign(Fire).near(&[(Flow, 2)]).unless(&[Hearth])), "fire|fire and smoke|flames and smoke"),
    (
        s(sign(GasLeak).sure().near(&[(Smell, 4)]).unless(&[Sewer])),
        "gas|natural gas|propane|gas line|gas lines|gas main|methane",
    ),
    (
        s(sign(GasLeak).sure()),
        "gas leak|gas leaks|gas leaking|leaking gas|gas is leaking|gas explosion|gas escaping|escaping gas\
         |{hit,broke,cut,ruptured,damaged} {a,the} gas {line,main,pipe}|gas {line,main,pipe} {hit,broke,broken,ruptured,cut}",
    ),
    (
        s(sign(CarbonMonoxide).sure().unless(&[Upkeep])),
        "carbon monoxide|monoxide|co poisoning|co leak|co levels",
    ),
    (
        s(sign(CarbonMonoxide).sure().near(&[(Sounding, 3)])),
        "{co,carbon monoxide,monoxide} {detector,detectors,alarm,alarms}",
    ),
    (s(sign(PowerLine).follow(Down, 8).unless(&[OtherWire])), WIRE_WORDS),
    (s(sign(PowerLine).near(&[(Down, 1)]).unless(&[OtherWire])), WIRE_WORDS),
    (s(sign(PowerLine).near(&[(Spark, 8)]).unless(&[OtherWire])), WIRE_WORDS),
    (
        s(sign(PowerLine)),
        "downed {line,lines,wire,wires,power line,power lines,powerline,powerlines}|live wire|live wires\
         |{wire,wires,line,lines,power line,power lines,powerline,powerlines} {is ,are ,}down|live line|live lines",
    ),
    (
        s(sign(Violence)),
        "shots fired|shot fired|shots being fired|fired {a gun,shots,a shot,his gun,a weapon,into the}\
         |{fired,firing} at {people,cars,someone,me,us,him,her,them,a car,the car,the house,police}|firing {a gun,shots}|gunshot*|gun shot*|gunfire|gun fire|opened fire|open fire on\
         |shooting at|a shooting|mass shooting|active shooter|shooter|gunman|someone shooting\
         |{is,are,been,was,got,getting,being,just got,just been} shot\
         |shot {him,her,them,someone,somebody,a man,a woman,a guy,a kid,my}|stabbed|stabbing|stab wound*|knifed\
         |{gun,knife} {pointed,pulled} on|armed man|armed men|armed with|domestic violence|domestic dispute|hostage*\
         |kidnap*|abduct*|rape|raping|sexual assault|sexually assaulted|strangling\
         |{being,been,getting} {attacked,assaulted,beaten,beat,beat up,mugged,robbed,raped,jumped,choked,strangled,kidnapped,dragged,hit,punched,kicked,slapped,stabbed,threatened}\
         |choking {her,him,someone,a,his,my}|threatening to {kill,shoot,stab,hurt} {me,us,her,him,them,people,someone,everyone,my}\
         |{says,said} {he,she} {will,is going to,is gonna,gonna} kill {me,us,her,him}|{wants,trying,going} to kill {me,us,her,him}\
         |beat up {a,his,her,my,someone,somebody}|fight with {a,knives,guns,weapons}|knife fight|gun fight",
    ),
    (s(sign(Violence).near(&[(Wield, 2)])), "gun|guns|pistol|pistols|rifle|handgun|firearm|shotgun|weapon|knife|knives|machete|blade"),
    (
        s(sign(Violence).object(2)),
        "hitting|punching|slapping|beating|beating up|choking|strangling|attacking|assaulting|stabbing|shooting at\
         |shooting|murdering|raping|kidnapping|mugging|robbing|jumping|beating on|pistol whipping",
    ),
    (s(sign(Violence).object(2).present()), "kicking|threatening"),
    (s(sign(Violence).object(2).present().unless(&[Water])), "dragging"),
    (
        s(sign(Violence).near(&[(Hear, 4)])),
        "shots|shot|gunshot|gun shots",
    ),
    (
        s(sign(Violence)),
        "{gun,guns,a gun,gunshot,shotgun,pistol} {went,goes,going,go,just went} off",
    ),
    (
        s(sign(Violence).weak().living()),
        "{screaming,yelling,shouting,screams,yells,shouts,scream,yell,begging} {for help,help}|help help",
    ),
    (
        s(sign(CrimeInProgress).not_animal()),
        "breaking in|breaking into|braking into|breakin in|breaking in to|break in in progress\
         |{burglary,robbery,break in,home invasion,carjacking} in progress\
         |{trying,tryin} to {break in,break into,get in,get into,open,pry,force,steal,break the,kick in,break down}\
         |prying {open,the,at}|jimmying|kicking {in,down} the door|kicking {the,my,our} door\
         |forcing {the,a,my} {door,window,lock}|forcing open|smashing {car,the,a,windows,my}\
         |breaking {car,the,a,my} window*|breaking windows|burglarizing|looting|intruder|intruders|burglar|burglars|prowler|prowlers|home invasion\
         |carjacking|just {broke in,broke into,robbed,got robbed,broke in to,smashed,kicked in,busted,stole}\
         |{going,rummaging} through {my,our} {stuff,things,car,cars}",
    ),
    (s(sign(CrimeInProgress).present().near(&[(Stranger, 3)])), HOME_WORDS),
    (
        s(sign(CrimeInProgress).not_animal().present().near(&[(Away, 12), (Stranger, 12)])),
        "loading|carrying|taking|breaking|going in|going into|climbing|climbed|prying|kicking|stealing\
         |cargando|sacando|llevandose|metiendose|brincando|saltando",
    ),
    (
        s(sign(CrimeInProgress).now().near(&[(Stranger, 4)])),
        "{inside,in} {the,a} {closed,empty,locked,boarded up}",
    ),
    (
        s(sign(CrimeInProgress).not_animal().now()),
        "smashing|vandalizing|destroying|breaking things|trashing|rompiendo|quebrando|destrozando|vandalizando",
    ),
    (
        s(sign(CrimeInProgress).not_animal().now()),
        "broke in|broke into|broken into|break in|breakin|broke in to|robbed|robbing|burglarized|stealing|steal\
         |stole|robbery|burglary|theft|mugging|vandalizing|someone in|someone inside",
    ),
    (
        s(MED.living().unless(&[Fume])),
        "not breathing|isnt breathing|is not breathing|stopped breathing|no longer breathing|not breathin\
         |not breating|isnt breathin|barely breathing|cant breathe|cant breath|cannot breathe|cannot breath\
         |can not breathe|unable to breathe|trouble breathing|struggling to breathe",
    ),
    (
        s(MED.living()),
        "unconscious|unconcious|unconsious|unconcsious|uncounscious|seizure|seizures|seizing|convulsing\
         |{having,has} {chest pain,chest pains,bad chest pain,a heart attack}|eyes rolled back|eyes rolling back\
         |throat is closing|throat closing|throat is swelling|cant swallow|anaphylactic|anaphylaxis|epipen\
         |having {an,a really bad,a bad,a severe,a serious} allergic reaction|going into shock\
         |heart attack|cardiac arrest|having a stroke|stroke|overdos*|od ing|oding|turning blue|no pulse|dead body\
         |{found,is,theres,there is,saw,see} a body|a body {in,on,under,lying,floating}|bleeding {badly,heavily,a lot,alot,profusely,everywhere,bad,out}|lots of blood|so much blood\
         |blood everywhere",
    ),
    (
        s(MED.person()),
        "passed out|collapsed|fainted|not responding|unresponsive|non responsive|nonresponsive|wont wake up\
         |will not wake up|wont wake|cant wake {him,her,them}|cant get up|cannot get up|can not get up\
         |hit {his,her} head|bleeding|not moving|isnt moving|stopped moving|motionless|dying|dead|choking",
    ),
    (
        s(MED.person().present()),
        "hurt|injured|hurt bad|hurt badly|badly hurt|seriously hurt|badly injured|seriously injured\
         |severely injured|critically injured|really hurt",
    ),
    (
        s(MED.weak()),
        "{send,need,needs,call,get} {an ,}ambulance|ambulance needed",
    ),
    (s(sign(CrashInjury).not_animal().near(&[(Hurt, 10)])), CRASH_WORDS),
    (
        s(sign(CrashInjury).person().near(&[(Vehicle, 2)])),
        "hit by|struck by|run over by|knocked down by|mowed down by|hit by a|struck by a",
    ),
    (
        s(sign(CrashInjury).person()),
        "{got,was,been,just got} {hit,struck,run over}",
    ),
    (
        s(sign(CrashInjury)),
        "{car,vehicle,auto,truck} {vs,versus} {pedestrian,ped,bike,bicycle,cyclist,biker,motorcycle,person,kid,child}",
    ),
    (
        s(sign(CrashInjury).object(1).near(&[(Vehicle, 4)])),
        "hit|struck|ran over|run over|knocked over|knocked down|mowed down",
    ),
    (
        s(sign(Drowning).living()),
        "drowning|is drowning|fell through the ice|{fell,went,broke,gone,falling} through the ice|through the ice\
         |through the thin ice|through thin ice\
         |floating face down|face down in the water|pulled under|rip current|caught in a rip",
    ),
    (
        s(sign(Drowning).living().near(&[(Water, 8)])),
        "going under|went under|cant swim|can not swim|cannot swim|doesnt know how to swim|dont know how to swim\
         |{hasnt,didnt,never,has not,did not} {come,came} {up,back up,out}\
         |struggling|{yelling,screaming,shouting,crying} for help|calling for help|{yelling,screaming} help",
    ),
    (
        s(sign(Drowning).person()),
        "swept {away,out,off,downstream,out to sea}|got swept|being swept|washed away|carried away",
    ),
    (
        s(sign(Drowning).object(2).near(&[(Water, 6)])),
        "swept|washed|pulled|pulling|sweeping|carrying|dragging|took|taking",
    ),
    (
        s(sign(Drowning).living().near(&[(Water, 3)])),
        "fell through|went through|broke through|falling through|fallen through",
    ),
    (
        s(sign(Drowning).person().near(&[(InWater, 8)])),
        "holding on to|hanging on to|clinging to|hanging onto|holding onto",
    ),
    (
        s(sign(Trapped).near(&[(Vehicle, 4)])),
        "swept {away,out,off,downstream,out to sea}|got swept|being swept|washed away|carried away",
    ),
    (
        s(sign(Drowning).person().near(&[(Water, 5)])),
        "fell in|fell into|fallen into|falls into|fell off|fell out of|fell overboard|went overboard|thrown from\
         |slipped into|was pushed into|is in the water\
         |are in the water",
    ),
    (
        s(TRAP.living()),
        "trapped inside|locked inside|locked in a hot car|left in a hot car|in a hot car|stuck inside\
         |{locked,left} in {a,the,his,her,their,my} {car,truck,van,vehicle,suv}\
         |{stuck,trapped} in {the,an} {elevator,lift}",
    ),
    (s(TRAP.living().near(&[(Confine, 6)])), "trapped|pinned|pinned down"),
    (
        s(sign(Trapped).near(&[(Vehicle, 5), (Water, 4)])),
        "drove into|drove through|went into|driven into|slid into|rolled into|plunged into|went off into",
    ),
    (
        s(sign(Trapped).near(&[(Flood, 10), (Vehicle, 10)])),
        "on the roof|on top of the car|on the hood",
    ),
    (
        s(sign(Trapped)),
        "{car,truck,van,suv,vehicle} {,is }{floating,underwater,under water,submerged,sinking,being swept,swept away}",
    ),
    (
        s(TRAP.near(&[(Flood, 6), (Vehicle, 6)])),
        "stuck|is stuck|got stuck|stalled|stranded",
    ),
    (
        s(TRAP.person().near(&[(Flood, 8)])),
        "stuck|cant get out|cannot get out|can not get out|couldnt get out|unable to get out",
    ),
    (
        s(sign(Trapped).near(&[(Occupant, 2), (Flood, 10)])),
        "inside|in it|still inside|on board",
    ),
    (
        s(sign(SelfHarm).living()),
        "kill {himself,herself,myself}|killing {himself,herself,myself}|suicid*\
         |end {his,her,my,their} {life,own life}|take {his,her,my,their} own life|{take,taking} {his,her,my} life\
         |{cutting,hanging,harming,hurting} {himself,herself,myself,themselves}|self harm|selfharm\
         |{wants,want,wanted,threatening,threatened,going,trying,about,ready} to {jump,let go}|wants to die|wanna die\
         |{going to,gonna,wants to,threatening to,about to,will,trying to} {take,swallow,overdose on} {all,a bunch of,a bottle of,the whole bottle of,all of} {her,his,my,the,} pills\
         |end it all|wants to end it|ending it|{ending,end} {his,her,my,their} life|{outside,over} {the,of the} {railing,rail,ledge}\
         |on the ledge|talking about {ending it,killing himself,killing herself,dying,suicide,jumping}",
    ),
    (
        s(sign(SelfHarm).person().near(&[(High, 6)])),
        "{sitting,standing,hanging,climbing} on the edge|on the edge of|{climbed,climbing} over the\
         |{hanging,dangling} {off,from}|{standing,sitting} on the outside of|on the outside of",
    ),
    (
        s(sign(SelfHarm).living().sure().near(&[(Intent, 1)])),
        "{kill,hurt,cut,harm,hang,shoot,poison} {himself,herself,myself,themselves,themself}|end it|end his life\
         |end her life|end my life|end their life",
    ),
    (
        s(sign(SelfHarm).living()),
        "{doesnt,dont,does not,do not} want to {live,be alive,be here anymore}|{wants,want} to be dead|better off dead",
    ),
];
