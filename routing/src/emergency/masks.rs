//! Everyday phrases that contain an emergency word but are not emergencies ("fire hydrant", "could get hurt",
//! "gas station", "no one was hurt", "since last night"): everything inside one is ignored.

pub(super) const MASKS: &[&str] = &[
    // fire and smoke words that name equipment, places and services
    "fire {hydrant,hydrants,lane,lanes,hazard,hazards,escape,escapes,department,departments,dept,station,house,pit,pits\
     ,place,alarm,alarms,code,codes,exit,exits,door,doors,truck,trucks,engine,engines,marshal,marshall,inspector\
     ,inspection,extinguisher,extinguishers,safety,risk,danger,zone,box,plug,plugs,works,drill,chief,fighter,fighters\
     ,hose,wood,ants,sale}|fireworks|firework|ceasefire|cease fire|camp fire|campfire|bonfire",
    "smoke {detector,detectors,alarm,alarms,shop,shops,free,break,breaks}|cigarette smoke|no smoking\
     |smoking {weed,cigarettes,pot,area,section}",
    "{no,missing,need,needs,install,without,broken} {co,carbon monoxide} {detector,detectors,alarm,alarms}\
     |{co,carbon monoxide} {detector,detectors,alarm,alarms} {chirping,chirps,battery,batteries,missing,needs,expired,broken}",
    "gas {station,stations,company,co,grill,grills,can,cans,tank,tanks,powered,mower,mowers,blower,blowers,prices,price\
     ,pump,pumps,bill,money,guzzler,guzzlers}|sewer gas|out of gas|tear gas|leaf blower*",
    // hazards, not harms
    "{get,gets,getting} {hurt,injured,killed,electrocuted,hit,run over,struck,trapped,stuck}\
     |accident waiting to happen|accidents waiting to happen\
     |{almost,nearly} {passed out,fainted,died,drowned,hit,struck,run over,got hit,got run over,got struck,crashed,had an accident,caught fire}\
     |choking hazard|choking the {drain,drains,tree,trees,sewer,plants}",
    // nobody hurt
    "{no one,nobody,noone,no one else} {was ,is ,got ,were ,}{hurt,injured,killed,trapped}|no injuries|no injured\
     |{no one,nobody,nadie} {inside,in it,adentro,dentro}|a fuego lento|fuego lento\
     |not {down,sparking,on the ground,fallen,live,on fire,burning,bleeding,breathing hard}\
     |no {esta,estan} {caido,caidos,caida,tirado,tirados,echando chispas}\
     |not hurt|not injured|wasnt hurt|werent hurt|wasnt injured|werent injured|without injuries|unhurt|uninjured",
    // not wanting to live somewhere
    "{no quiere,no quiero,ya no quiere,ya no quiero,no queremos,no quieren} vivir {aqui,aca,ahi,en,cerca,junto,asi,con}\
     |want to live {here,there,in,near,next,on,with,like,by}",
    // not answering messages is not being unresponsive
    "{not responding,unresponsive,nonresponsive,non responsive} {to,on,about,with}|no {responde,responden,contesta,contestan} {a,los,las,el,la,mis}",
    // words that are not about people
    "{passed,passing,pass,passes} out {flyers,fliers,leaflets,papers,menus,candy,samples,ads,pamphlets,coupons,food\
     ,water,masks,info,information}",
    "dead {end,ends,zone,battery,batteries,bolt,tired,serious,last,set,silent,spot,leaves,grass,branch,branches,tree\
     ,trees,bush,bushes,plants,plant,stop,center,weight,air,space,animal,animals,rat,rats,bird,birds,raccoon,deer\
     ,squirrel,skunk,dog,cat,possum,fish,bugs,lawn,light,lights,streetlight,phone,line,car,cars}|deadline",
    "pool area|pool deck|body shop|body of water|auto body|body work|bodywork|body cam",
    "drowning in {trash,garbage,litter,leaves,debris,paperwork,weeds,noise,complaints,potholes,bills,traffic,work,mud}",
    "{stuck,trapped} in {traffic,the traffic}",
    // shooting that is not gunfire; weapons that are tools or toys
    "shooting {hoops,baskets,pool,fireworks,off fireworks,a video,a music video,a movie,a film,a commercial,photos\
     ,pictures,video,videos,a show,range}|shoot fireworks|shoot off fireworks|photo shoot|shooting range|gun range\
     |rifle range|{gun,guns} {shop,shops,store,stores,show}\
     |{nail,water,glue,toy,staple,squirt,spray,heat,bb,paintball,airsoft,caulk,caulking} {gun,guns}|paintball|airsoft\
     |{a,the,this,some,two} shot of|shots of|shot clock|shot put\
     |{shot,shooting,shoot} {a,the,some} {movie,film,video,scene,commercial,photo,photos,picture,pictures}|screenshot*|flu shot|shot glass|knife sharpening|butter knife",
    "beat up {car,cars,truck,van,old car,vehicle,couch,mattress}|beaten up {car,truck,van}",
    // idioms about accidents, not self-harm
    "suicide {barrier,barriers,prevention,hotline,fence,fencing,net,nets,lane,door,doors,watch,squeeze,sign,signs}\
     |{someone,somebody,someones,people} {is going to,will,gonna,is gonna,are going to} kill {themselves,themself}\
     |{hurt,kill} {themselves,themself,himself,herself} on {this,these,that,those,the}",
    // since/for a time: ongoing, so neither past nor a reason to ignore
    "since {last night,yesterday,last week,last month,last year,the other day}|desde {anoche,ayer,hace}",
    // wires that are not power lines (telephone and cable TV wires are context: `Part::OtherWire`)
    "barbed wire|wire fence|chicken wire|wire mesh|wire basket|wire hanger|clothesline|cable company\
     |{phone,telephone,fishing,clothes,tow} {line,lines}",
    // places named after water ("River Rd", "the lake parking lot")
    "{lake,river,beach,pond,pool,bay,harbor,creek,canal} {parking,parking lot,road,rd,drive,dr,street,st,avenue,ave\
     ,walk,front,side,view,trail,path,park}",
    // Spanish equipment, services and hazards
    "hidrante*|boca de incendio|bocas de incendio|{riesgo,peligro} de {incendio,incendios,accidente,accidentes}\
     |prevencion de incendios|{salida,salidas} de {incendio,emergencia}|alarma contra incendios|gasolinera*\
     |{estacion,compania,tanque,tanques,cilindro,cilindros,pipa,pipas,recibo,precio,camion} de gas\
     |{detector,detectores,alarma,alarmas} de humo|fuegos artificiales|cohetes",
    "{no hay,sin,falta,faltan,necesita,necesitan,poner,instalar} {un ,}{detector,alarma} de monoxido",
    "{puede,pueden,podria,podrian} {lastimar*,herir*,accidentar*,caer}\
     |{perro,perrito,gato,gatito,animal,caballo} atropellad*\
     |{casi,puede,pueden,podria,podrian,van a,para que no} {lo ,la ,los ,las ,le ,les ,}atropell*",
    "{nadie,ninguno} {salio,resulto,quedo,esta,fue} {herido,herida,heridos,lastimado,lastimada,lesionado,atrapado}\
     |no hubo heridos|no hay heridos|sin heridos|no hubo lesionados|no hay lesionados|sin lesionados|nadie herido\
     |no paso a mayores|{salir,salga,salgan} {lastimado,lastimada,lastimados,herido,herida,heridos}",
    "quema de basura|{quemando,queman,quema,quemar} {basura,llantas,hojas,monte,pasto,ramas}\
     |burning {trash,leaves,garbage,brush,wood,tires}|burns {trash,leaves,garbage}",
    "{atrapado,atrapados,atrapada,atorado,atorados} en el trafico|cuerpo de {agua,bomberos,seguridad,policia}",
    "{alguien,gente,la gente,un nino,alguno,cualquiera} se {va a,puede,podria,vaya a} matar|se va a matar alguien\
     |se van a matar|alguien se mate|se mate alguien",
];
