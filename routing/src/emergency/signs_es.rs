//! Spanish phrases that show an emergency (folded: no accents, so "esta" is also "está"), with what each needs.

use super::cue::{sign, Cue, Part::*, Sign};
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
        "incendio|incendios|se esta quemando|se estan quemando|esta ardiendo|estan ardiendo|ardiendo|en llamas\
         |llamas|llamaradas|prendieron fuego|le prendieron fuego|se prendio fuego|agarro fuego\
         |agarrando fuego|tomo fuego|se incendia|se incendio|se esta incendiando|incendiando|quemandose\
         |{lleno,llena,llenos} de humo",
    ),
    (s(sign(Fire).near(&[(Flow, 2)])), "fuego|llamas|lumbre"),
    (
        s(sign(Fire).near(&[(Flow, 3), (Building, 7)])),
        "humo|humo negro|mucho humo|demasiado humo",
    ),
    (s(sign(Fire).unless(&[Wire])), "explosion|explosiones"),
    (
        s(sign(GasLeak).sure().near(&[(Smell, 4)]).unless(&[Sewer])),
        "gas|gas natural|gas lp|propano",
    ),
    (s(sign(Fire).unless(&[Hearth, Weapon])), "fuego|hay fuego|fuego en|mucho fuego"),
    (
        s(sign(GasLeak).sure()),
        "fuga de gas|fugas de gas|escape de gas|tubo de gas roto|rompieron el tubo del gas",
    ),
    (s(sign(GasLeak).sure().unless(&[Sewer])), "huele a gas|olor a gas"),
    (
        s(sign(CarbonMonoxide).sure().unless(&[Upkeep])),
        "monoxido|intoxicad* {por,con} {gas,monoxido,humo}",
    ),
    (
        s(sign(CarbonMonoxide).sure().near(&[(Sounding, 3)])),
        "{detector,detectores,alarma,alarmas} de monoxido",
    ),
    (
        s(sign(PowerLine).unless(&[OtherWire])),
        "{cables,cable} {caidos,caido,tirados,tirado}|transformador {exploto,trono,echando chispas,en llamas,se incendio,sacando chispas}\
         |{exploto,trono} el transformador",
    ),
    (
        s(sign(Violence)),
        "balacera|balaceras|balazos|balazo|disparos|disparo|dispararon|disparando|le dispararon|le disparan\
         |tiroteo|tiros|balea*|apunal*\
         |{dando,dandole,dandoles,dan,dieron,dio,daban,poniendo,pusieron,metiendo} {una,la,} {golpiza,paliza,madriza,putiza}\
         |acaban de {matar,disparar,golpear,apunalar}|acuchill*|navajazo*|machetazo*\
         |con {un ,una ,}{arma,armas,pistola,pistolas,cuerno de chivo,rifle}\
         |esta armado|estan armados|armado con|violencia familiar|violencia domestica|secuestr*\
         |{golpeando,pegando,atacando,ahorcando,arrastrando,madreando} a {una,un,su,la,el,mi}\
         |{estan,esta} {golpeando,pegando,atacando,ahorcando,madreando,apunalando,acuchillando,violando}\
         |{me,nos,la,lo,te} {quiere,quieren,va a,van a} matar|amenazando {con,a}|amenaza con matar\
         |abuso sexual|pelea con {cuchillos,armas,machetes,navajas}",
    ),
    (
        s(sign(Violence).near(&[(Wield, 2)])),
        "pistola|pistolas|arma|armas|cuerno de chivo|cuchillo|cuchillos|navaja|navajas|machete",
    ),
    (s(sign(Violence).unless(&[Flood])), "{estan,esta} arrastrando"),
    (s(sign(Drowning).person().near(&[(Flood, 4)]).upgrade(&[(Vehicle, Trapped)])), "arrastra*"),
    (
        s(sign(Violence).object(2)),
        "asaltando|golpeando|pegando|atacando|apunalando|acuchillando|ahorcando|madreando|matando|asesinando\
         |picando|balaceando|disparando|secuestrando|robando|violando|pateando|amenazando",
    ),
    (
        s(sign(Violence)),
        "a {golpes,patadas,punaladas,balazos,cuchilladas,machetazos,tiros,pedradas,palos,palazos,piedras}|arma de fuego|armas de fuego",
    ),
    (
        s(sign(Violence).weak().living()),
        "gritos de auxilio|pidiendo auxilio|pide auxilio|gritando auxilio|pidiendo ayuda a gritos|grita auxilio\
         |gritando ayuda|pidiendo ayuda",
    ),
    (
        s(sign(CrimeInProgress).not_animal()),
        "se {estan,esta} metiendo|se {quieren,quiere} meter|{quieren,quiere} entrar\
         |{tratando de,intentando,queriendo} {entrar,abrir,forzar,meterse,robar}|forzando {la,el,una,un,mi}\
         |rompiendo {la ventana,las ventanas,los vidrios,el vidrio,la puerta,el candado,la chapa}\
         |quebrando {vidrios,la ventana,los vidrios}|{robo,asalto} en {proceso,progreso,curso}\
         |hay {un ladron,ladrones,unos ladrones}|{un,el} ladron {adentro,dentro,en}\
         |{hay,esta} alguien {adentro,dentro,metido} {de,en} {mi,la,nuestra} casa|hay alguien en mi casa\
         |alguien {adentro,dentro} de mi casa|acaban de {robar,asaltar,meterse,entrar a robar}\
         |se {estan,esta} robando|{estan,esta} {desvalijando,saqueando}",
    ),
    (
        s(sign(CrimeInProgress).not_animal().present()),
        "robando|asaltando",
    ),
    (
        s(sign(CrimeInProgress).not_animal().now()),
        "se metieron|se metio|robaron|asaltaron|entraron a robar|se metieron a robar|robo|asalto\
         |se {estan,esta} llevando|llevandose",
    ),
    (
        s(MED.living().unless(&[Fume])),
        "no respira|ya no respira|no puede respirar|no puedo respirar|dejo de respirar|no esta respirando",
    ),
    (
        s(MED.living()),
        "inconsciente|inconciente|inconsiente|ojos en blanco|se le voltearon los ojos|reaccion alergica|choque anafilactico|se le cierra la garganta\
         |no puede tragar|desmayad*|se desmayo|se desmaya|se desvanecio|convulsion*\
         |esta convulsionando|le dio un ataque|le esta dando un ataque|le dio un infarto|infarto|paro cardiaco\
         |paro respiratorio|sobredosis|sangrando mucho|mucha sangre|sangra mucho|se esta asfixiando|asfixiando\
         |cadaver|un cuerpo|una persona muerta|un muerto|hay un muerto",
    ),
    (
        s(MED.living()),
        "{se esta ahogando,se ahoga,se ahogo,ahogandose,se atraganto,atragantado,atragantada} con",
    ),
    (
        s(sign(CarbonMonoxide).sure().living().near(&[(Fume, 4)])),
        "intoxic*",
    ),
    (
        s(MED.person()),
        "no reacciona|no responde|no responden|no despierta|no se mueve|no se puede levantar|no se levanta|esta grave|muy grave\
         |se esta muriendo|se muere|muriendose|sangrando|sangra|herid*|lastimad*|descalabrad*|muerto|muerta",
    ),
    (
        s(MED),
        "hay {un ,una ,dos ,tres ,varios ,varias ,muchos ,}{herido,herida,heridos,heridas,lesionado,lesionados,lesionada}\
         |{persona,personas} {herida,heridas,lesionada,lesionadas}",
    ),
    (
        s(MED.weak()),
        "{manden,urge,necesitamos,necesito,llamen} {una ,}ambulancia",
    ),
    (
        s(sign(CrashInjury).living()),
        "atropell*|arrollad*|volcadura",
    ),
    (
        s(sign(CrashInjury).object(2).near(&[(Vehicle, 4)])),
        "le pego|pego|golpeo|le dio|embistio|arrollo|avento|atropello",
    ),
    (
        s(sign(Drowning).living()),
        "se esta ahogando|se estan ahogando|se ahoga|se ahogan|ahogandose|se ahogo|se ahogaron|no sale del agua\
         |arrastrad* por la corriente|flotando boca abajo|boca abajo en el agua",
    ),
    (
        s(sign(Drowning).living().near(&[(Water, 8)])),
        "no sabe nadar|no saben nadar|se hundio|se esta hundiendo|pidiendo auxilio|gritando auxilio|pide auxilio",
    ),
    (
        s(sign(Drowning).person().near(&[(Water, 8)])),
        "ya no salio|no ha salido|no lo encontramos|no la encontramos|agarrado de|agarrada de",
    ),
    (
        s(sign(Drowning).living().upgrade(&[(Vehicle, Trapped)])),
        "se {lo,la,los,las} {llevo,esta llevando,estan llevando,llevaba} {la corriente,el agua,el arroyo,el rio}\
         |{lo,la,los,las} {arrastra,arrastro,esta arrastrando} {la corriente,el agua,el arroyo}\
         |{la corriente,el agua,el arroyo,el rio} se {lo,la,los,las} {llevo,esta llevando,llevaba}",
    ),
    (
        s(sign(Drowning).person().near(&[(Water, 4)])),
        "se cayo|se cayeron|cayo|se callo|se resbalo|lo aventaron|la aventaron",
    ),
    (
        s(sign(Trapped).near(&[(Vehicle, 5), (Water, 4)])),
        "se metio al|se metio en el|se fue al|se fue a la|cayo al|cayo en el|se cayo al|entro al",
    ),
    (
        s(sign(Trapped).near(&[(Flood, 10), (Vehicle, 10)])),
        "arriba del techo|sobre el techo|en el techo|encima del carro|arriba del carro",
    ),
    (
        s(TRAP.living()),
        "atrapad*|prensad*|{quedo,quedaron} {prensado,prensados,prensada,atrapado,atrapados,atrapada}",
    ),
    (s(TRAP.near(&[(Flood, 6), (Vehicle, 6)])), "atorad*|atascad*|varad*"),
    (
        s(TRAP.living().near(&[(Flood, 8)])),
        "atorad*|atascad*|varad*|no {puede,pueden,podemos,puedo} salir",
    ),
    (s(TRAP.living().near(&[(Vehicle, 5)])), "encerrad*"),
    (
        s(sign(Trapped).near(&[(Occupant, 2), (Flood, 10)])),
        "adentro|dentro|a bordo",
    ),
    (
        s(sign(SelfHarm).living()),
        "suicid*|se {va a,quiere,piensa,iba a,intento,trato de,amenaza con} {matar,suicidar,quitar la vida}\
         |{matarse,ahorcarse,suicidarse,envenenarse}|se va a matar|se quiere matar|quiere matarse|va a matarse|me voy a matar|me quiero matar\
         |matarse|se {quiere,va a} quitar la vida|quitarse la vida|quitarme la vida|hacerse dano\
         |se quiere hacer dano|cortarse las venas|se corto las venas|se quiere colgar|ahorcarse|se quiere ahorcar\
         |{ya no,no} {quiere,quiero,queria} vivir|{quiere,quiero} morir*|se quiere morir|me quiero morir",
    ),
    (
        s(sign(SelfHarm).person()),
        "se {va a,quiere,piensa,iba a,intento,trato de,amenaza con} {colgar,ahorcar,envenenar,cortar,cortar las venas}\
         |colgarse|cortarse",
    ),
    (
        s(sign(SelfHarm).living().near(&[(High, 10)])),
        "aventarse|tirarse|lanzarse|se {quiere,va a} {aventar,tirar,lanzar}",
    ),
];
