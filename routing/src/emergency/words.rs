//! Who, when and what-around words in English and Spanish (folded: lowercase, no accents, no apostrophes).
//!
//! Syntax of a phrase list: `|` separates phrases, `{a,b,}` expands to alternatives (an empty one allowed),
//! a trailing `*` matches any word ending (`atrapad*` = atrapado, atrapada, atrapados…).

use super::cue::{Cue, Mark, Part, Subject};

/// Power lines and their parts (EN + ES): a sign with "down", "sparking", "caídos" nearby.
pub(super) const WIRE_WORDS: &str = "power line|power lines|powerline|powerlines|electric line*|electrical line*|electric wire*\
         |electrical wire*|utility line*|utility wire*|high voltage line*|wire|wires|cable|cables|transformer\
         |transformers|cable de luz|cables de luz|cables electricos|cable electrico|alta tension|linea de luz\
         |lineas de luz|transformador|transformadores|alambres de luz|cableado";

/// Inside someone's home (EN + ES): a stranger there, now, is a crime in progress.
pub(super) const HOME_WORDS: &str = "{in,inside} {my,our} {house,home,apartment,apt,garage,basement,room,bedroom,backyard,yard,shed}\
         |{en,dentro de,adentro de} {mi,la,nuestra} {casa,cochera,recamara,cuarto,patio,depa,departamento}";

/// Crashes (EN + ES): a sign with an injury nearby.
pub(super) const CRASH_WORDS: &str = "crash|crashed|car crash|accident|collision|wreck|wrecked|hit and run|hit n run|hit by a {car,truck,bus,van,vehicle,driver}\
         |struck by|run over|ran over|car vs|vs pedestrian|versus pedestrian|off the road\
         |{crashed,slammed,smashed,ran,drove,went} into|into a {pole,tree,wall,house,building,fence,ditch,store}|flipped|flipped over|rolled over|overturned|upside down|on its roof|t boned|rear ended|head on\
         |pile up|pileup|accidente|choque|chocaron|choco|chocado|carambola|volcadura|volcado|volco|se volco|se volteo|volteado|volteada|se volcaron|dio vueltas\
         |atropell*|arrollad*|embistio|se estrello|estrello";

const PERSON: Cue = Cue::Subject(Subject::Person);
const PRONOUN: Cue = Cue::Subject(Subject::Pronoun);

pub(super) const TERMS: &[(Cue, &str)] = &[
    (
        PERSON,
        "someone|somebody|some one|somone|sombody|someones|anyone|a person|person|persons|people|ppl|man|men|woman\
         |women|guy|guys|dude|lady|ladies|gentleman|child|children|kid|kids|boy|boys|girl|girls|baby|babies|infant\
         |toddler|teen|teens|teenager|teenagers|youth|elderly|senior|old man|old lady|old woman|neighbor|neighbors\
         |neighbour|neighbours|nieghbor|pedestrian|pedestrians|cyclist|cyclists|biker|bicyclist|rider|driver|drivers\
         |motorist|passenger|passengers|jogger|runner|swimmer|swimmers|skater|fisherman|worker|workers|student\
         |students|tenant|resident|family|friend|roommate|husband|wife|son|daughter|mom|mother|dad|father|brother\
         |sister|grandma|grandmother|grandpa|grandfather|uncle|aunt|cousin|boyfriend|girlfriend|ex|victim|customer\
         |patient|homeless|stranger|intruder",
    ),
    (
        PERSON,
        "alguien|persona|personas|gente|senor|senora|senores|senoras|senorita|hombre|hombres|mujer|mujeres\
         |muchacho|muchacha|muchachos|muchachas|chavo|chava|chavos|joven|jovenes|nino|nina|ninos|ninas|nene|nena\
         |bebe|bebes|abuelo|abuela|abuelito|abuelita|anciano|anciana|viejito|viejita|vecino|vecina|vecinos|vecinas\
         |peaton|peatones|ciclista|conductor|conductora|chofer|motociclista|motorista|pasajero|pasajeros|esposo\
         |esposa|marido|hijo|hija|hijos|mama|papa|hermano|hermana|amigo|amiga|tio|tia|primo|prima|novio|novia\
         |trabajador|trabajadores|familia|tipo|tipos|sujeto|sujetos",
    ),
    (
        PRONOUN,
        "he|she|him|her|hes|shes|they|them|theyre|i|im|me|ella|ellos|ellas\
         |{lo,la,le,los,las,les} {esta,estan}",
    ),
    (
        Cue::Subject(Subject::Role),
        "landlord|landlords|landlady|owner|owners|management|manager|property manager|super|superintendent|office\
         |offices|department|dept|city|town|county|agency|company|contractor|contractors|business|311|dpw\
         |public works|staff|council|councilman|councilwoman|alderman|mayor|official|officials|inspector|hoa|board\
         |website|app|phone|email|emails|calls|requests|complaints|reports|service|system|government|housing\
         |dueno|duena|duenos|casero|casera|arrendador|oficina|municipio|ayuntamiento|gobierno|departamento\
         |dependencia|empresa|compania|negocio|encargado|encargada|administracion|administrador|el del municipio\
         |los del municipio|telefono|linea|correo|servicio|sistema|pagina|aplicacion|reporte|reportes",
    ),
    (
        Cue::Subject(Subject::Animal),
        "dog|dogs|puppy|cat|cats|kitten|deer|raccoon|raccoons|squirrel|bird|birds|possum|opossum|rat|rats|mouse\
         |skunk|fox|coyote|goose|geese|duck|ducks|horse|cow|animal|animals|pet|pets|pigeon|seagull|turtle|snake\
         |perro|perros|perrito|perrita|perra|gato|gatos|gatito|animales|caballo|burro|vaca|pajaro|pajaros|paloma\
         |ardilla|rata|ratas|mascota|cachorro|tlacuache|zorrillo|de perro|de gato",
    ),
    (
        Cue::Subject(Subject::Thing),
        "tree|trees|branch|branches|light|lights|streetlight|streetlights|lamp|bulb|battery|batteries|signal\
         |traffic light|sign|car|cars|truck|trucks|vehicle|vehicles|van|bus|suv|grass|lawn|plant|plants|bush\
         |bushes|heater|furnace|ac|meter|machine|parking meter|road|street|sidewalk|block|neighborhood|park\
         |elevator|phone line|arbol|arboles|rama|ramas|luminaria|lampara|foco|semaforo|poste|bateria|carro|carros\
         |coche|auto|camion|camioneta|troca|pasto|planta|calle|banqueta|parquimetro|contenedor",
    ),
    (
        Cue::Mark(Mark::Now),
        "now|right now|rn|currently|{keep,keeps} {pulling,dragging,sweeping,carrying}|keeps rising|keep rising|still rising|keeps getting {higher,deeper}\
         |keeps coming in|sigue subiendo|siguen subiendo|sigue creciendo|at the moment|at this moment|as we speak|as i type|as i write|happening\
         |in progress|ongoing|just now|minutes ago|moments ago|still {inside,in there,in the house,in the building}\
         |hurry|please hurry|immediately|help me|help us|send help|{send,need,needs,call} {an ,}ambulance|call 911\
         |ahorita|ahora|ahora mismo|ahorita mismo|en este momento|en estos momentos|en este instante|auxilio\
         |socorro|ayudenme|ayudeme|{manden,urge,necesitamos,necesito} {una ,}ambulancia|llamen al 911\
         |{sigue,siguen,todavia esta,todavia estan} {adentro,dentro,ahi adentro}",
    ),
    (
        Cue::Mark(Mark::Past),
        "yesterday|last night|last week|last weekend|last month*|last year|last summer|last winter|last spring\
         |last fall|last time|the other day|the other night|days ago|weeks ago|months ago|years ago|a while ago\
         |a while back|earlier this week|earlier this month|in the past|previously|back in|overnight|ayer|anoche\
         |antier|anteayer|la semana pasada|el mes pasado|el ano pasado|el fin de semana pasado|el otro dia\
         |la otra noche|la otra vez|la vez pasada|hace {,unos ,unas ,una ,un ,dos ,tres ,varias ,varios }{dias,semanas,semana,mes,meses,ano,anos}\
         |hace tiempo|{was,been,were,got} {fixed,repaired}|ya {la,lo,las,los} {arreglaron,repararon}",
    ),
    (
        Cue::Mark(Mark::Habit),
        "every|everytime|always|keeps|keep|kept|constantly|all the time|all day|all night|often|frequently\
         |repeatedly|usually|regularly|whenever|all summer|lately|on weekends|recently|there have been\
         |{for,over} {days,weeks,months,years,a week,a month,a year,a while,ages,the past week,the past month}\
         |{have,has} been happening|when it rains|whenever it rains|cuando llueve|cada que llueve|siempre|cada|todos los dias\
         |todas las noches|todo el dia|toda la noche|a cada rato|seguido|a menudo|frecuentemente|constantemente\
         |los fines de semana|en las noches|en las tardes|diario|diariamente",
    ),
    (
        Cue::Mark(Mark::Maybe),
        "could|might|may|would|will|going to|gonna|if|before|in case|prevent|avoid|afraid|scared|worried|worry\
         |fear|risk|chance|danger of|potential|potentially|possible|possibly|likely|someday|eventually|almost\
         |nearly|what if|puede|pueden|podria|podrian|pudiera|pueda|puedan|se puede|va a|van a|vaya a|vayan a\
         |antes de que|si|para que no|para evitar|evitar|riesgo|peligro de|miedo|temo|ojala|algun dia|casi\
         |a punto de",
    ),
    (
        Cue::Mark(Mark::Is),
        "is|are|am|im|hes|shes|theyre|theres|there is|there are|is still|esta|estan|estoy|estamos|sigue|siguen\
         |se encuentra|se encuentran|hay|quedo|quedaron|se quedo|se quedaron",
    ),
    (
        Cue::Prep,
        "in|inside|on|at|of|from|near|behind|by|under|with|into|onto|for|about|around|across|outside|over|en|de\
         |del|dentro de|adentro de|con|sobre|cerca de|junto a|frente a|al|para|por|sin",
    ),
    (
        Cue::Part(Part::Smell),
        "smell*|smel|odor*|odour*|stench|stink*|reek*|fumes|whiff|leak*|hissing|hiss*|huele*|huela|oler|olor*\
         |peste|apesta*|tufo|fuga|fugas|escape|sale|salen|saliendo|se sale|se esta saliendo|silba|chifla",
    ),
    (
        Cue::Part(Part::Wire),
        WIRE_WORDS,
    ),
    (
        Cue::Part(Part::Down),
        "down|fell|fallen|came down|falling|snapped|snapped off|on the ground|{laying,lying} {across,in,on} the {road,street}\
         |touching the ground|caido|caidos|caida|caidas|se cayo|se cayeron|cayo|en el suelo|en el piso|tirado\
         |tirados|tirada|tiradas|hasta el suelo|arrastrando",
    ),
    (
        Cue::Part(Part::Spark),
        "sparking|sparks|spark|arcing|buzzing|smoking|on fire|burning|exploded|blew|blew up|blown|echando chispas\
         |sacando chispas|chispas|chispea*|chisporrote*|exploto|trono|en llamas|se incendio|quemandose|humeando",
    ),
    (
        Cue::Part(Part::Crash),
        CRASH_WORDS,
    ),
    (
        Cue::Part(Part::Hurt),
        "injured|injury|injuries|hurt|bleeding|blood|trapped|pinned|stuck inside|unconscious|not moving|lying\
         |laying|on the pavement|in the crosswalk|tirado|tirada|tirados|tiradas\
         |unresponsive|ambulance|on the ground|{laying,lying} in the {road,street}|dead|killed|not breathing|herid*|lesionad*\
         |sangr*|atrapad*|prensad*|inconsciente|inconciente|no se mueve|ambulancia|muert*|grave|lastimad*",
    ),
    (
        Cue::Part(Part::Water),
        "water|river|lake|pond|canal|pool|swimming pool|ocean|sea|bay|harbor|harbour|creek|stream|reservoir|quarry\
         |ice|current|waves|surf|kayak|canoe|boat|raft|tube|paddleboard|jet ski|agua|lancha|rio|lago|laguna|alberca|piscina|mar|presa|arroyo|pozo|estanque|corriente\
         |represa|acequia|dren",
    ),
    (
        Cue::Part(Part::Flood),
        "flood|flooded|flooding|floods|floodwater|floodwaters|water|rising|current|swept|underpass|creek|river\
         |inundacion|inundad*|agua|corriente|vado|arroyo|crecida|creciente|se lo llevo|se la llevo",
    ),
    (
        Cue::Part(Part::Vehicle),
        "car|cars|truck|van|suv|vehicle|bus|motorcycle|train|taxi|cab|pickup|minivan|semi|jeep|sedan|rv|camper\
         |carro|coche\
         |camioneta|auto|troca|camion|moto|motocicleta|trailer|taxi|tren|pipa",
    ),
    (
        Cue::Part(Part::Flow),
        "coming|pouring|billowing|rising|out of|out the|sale|salen|saliendo|sale mucho|salia",
    ),
    (
        Cue::Part(Part::Building),
        "house|home|building|apartment|apt|window|windows|roof|attic|basement|garage|unit|door|hallway|kitchen\
         |church|school|store|shop|car|hood|engine|manhole|trailer|shed|barn|warehouse|casa|edificio|departamento\
         |depa|techo|ventana|ventanas|puerta|cocina|cuarto|recamara|tienda|escuela|bodega|carro|coche|cofre|motor\
         |local|iglesia",
    ),
    (
        Cue::Part(Part::High),
        "bridge|overpass|roof|rooftop|ledge|railing|edge|balcony|parking deck|tower|puente|azotea|techo|barandal\
         |orilla|edificio|paso a desnivel|balcon",
    ),
    (
        Cue::Part(Part::Weapon),
        "gun|guns|pistol|pistols|rifle|handgun|firearm|shotgun|weapon|weapons|knife|knives|machete|blade\
         |pistola|pistolas|arma|armas|cuerno de chivo|cuchillo|cuchillos|navaja|navajas",
    ),
    (
        Cue::Part(Part::Wield),
        "with|has|had|have|holding|fighting with|peleando con|pelean con|pelea con|waving|pointing|pulled|pulling|pulled out|brandishing|carrying|armed with\
         |trae|traen|tiene|tienen|porta|portaba|saco|saca|sacando|apuntando|blandiendo",
    ),
    (
        Cue::Part(Part::Sounding),
        "going off|went off|goes off|go off|sounding|beeping|blaring|sonando|suena|sono|se activo|pitando",
    ),
    (
        Cue::Part(Part::Intent),
        "going to|gonna|wants to|want to|wanted to|trying to|tried to|threatening to|threatened to|threatens to\
         |about to|will|plans to|planning to|ready to|wanna|is going to",
    ),
    (
        Cue::Part(Part::InWater),
        "{in,into,under} the {water,river,lake,pond,canal,pool,ocean,sea,bay,harbor,harbour,creek,surf,waves}\
         |{en,dentro de} {el agua,el rio,el canal,la alberca,la presa,el lago,el arroyo,el mar,la laguna}",
    ),
    (
        Cue::Part(Part::Confine),
        "car|cars|truck|van|suv|vehicle|wreck|wreckage|house|home|building|apartment|room|basement|attic|elevator\
         |lift|rubble|debris|under|underneath|beneath|inside|ditch|trench|hole|well|collapse|collapsed|fire|smoke\
         |flood|flooded|floodwater|water|rising|river|creek|underpass|carro|coche|camioneta|casa|edificio\
         |elevador|escombros|debajo|adentro|dentro|agua|arroyo|zanja|pozo",
    ),
    (
        Cue::Part(Part::Stranger),
        "someone|somebody|some one|somone|a stranger|strangers|a man|men|a guy|guys|a person|people|intruder\
         |alguien|un hombre|unos hombres|un tipo|unos tipos|un desconocido|desconocidos|un ladron|ladrones",
    ),
    (
        Cue::Part(Part::Sewer),
        "sewer|sewers|sewage|septic|drenaje|alcantarilla|alcantarillado|coladera|aguas negras",
    ),
    (
        Cue::Part(Part::Hear),
        "hear|heard|hearing|hears|sounds like|sounded like|se oyen|se oye|se escuchan|se escucha|escuche|escuchamos\
         |oimos|oi",
    ),
    (
        Cue::Part(Part::Inside),
        "inside|in it|on board|trapped inside|adentro|dentro|a bordo|arriba del carro",
    ),
    (
        Cue::Part(Part::Occupant),
        "people|persons|a person|someone|somebody|family|a family|kids|children|a child|a baby|passengers|driver\
         |a man|a woman|a guy|a lady|a mom|gente|personas|una persona|alguien|familia|una familia|ninos|un nino\
         |una nina|un bebe|pasajeros|chofer|conductor|un senor|una senora|un hombre|una mujer|senores",
    ),
    (
        Cue::Part(Part::Away),
        "not home|arent home|isnt home|are away|is away|on vacation|out of town|nobody home|no one home|nobody is home\
         |no hay nadie|no estan|andan de viaje|salieron de viaje|esta sola|estan solos",
    ),
    (
        Cue::Part(Part::OtherWire),
        "telephone|phone|internet|cable tv|tv|television|fiber|fibre|comcast|verizon|spectrum|cable company|telefono\
         |telefonos|telmex|television|cablevision|megacable|fibra|izzi|totalplay|fence|fencing|barbed|clothesline|cable box\
         |christmas lights|cerca|barda|alambrado|tendedero",
    ),
    (
        Cue::Part(Part::Upkeep),
        "battery|batteries|need|needs|install|installed|installing|replace|replaced|missing|expired|inspection\
         |inspect|chirp*|low battery|pila|pilas|bateria|baterias|instalar|faltan|falta|no tiene|no hay|cambiar",
    ),
    (
        Cue::Part(Part::Hearth),
        "grill|grills|barbecue|bbq|fire pit|firepit|fireplace|chiminea|campfire|bonfire|candle|candles|wood stove\
         |asador|carne asada|fogata|chimenea|anafre",
    ),
    (
        Cue::Part(Part::Fume),
        "smell*|odor*|odour*|smoke|fumes|stench|stink*|exhaust|dust|pollen|humo|olor*|peste|polvo|tufo",
    ),
];
